"""Start real servers (JupyterLab, MLflow, uvicorn, Streamlit) in the background; always stop them.

    with BackgroundServer(["mlflow", "server", "--port", "{port}"], ready_path="/health") as srv:
        httpx.get(srv.url + "/health")

The server runs in its own process group, so stopping it also stops the workers it forked;
the context manager stops it even when the body raises, so a failing notebook cell never
leaves a port taken.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

# When set, every server that became ready is recorded there, one JSON line each: the notebook
# test learns which servers a notebook started and which ports to find free afterwards, however
# briefly a server lived.
RECORD_ENV = "MLOPS_SERVER_RECORD"


class ServerError(RuntimeError):
    """A background server did not start, or its port is taken."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing accepts connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) != 0


class BackgroundServer:
    """A command that serves HTTP on a port, started and stopped as a context manager.

    `{port}` in the command is replaced by the chosen port. `ready_path` is polled until it
    answers with a status below 500 (or `ready_timeout` seconds pass).
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        port: int | None = None,
        ready_path: str = "/",
        ready_timeout: float = 60.0,
        env: dict[str, str] | None = None,
        cwd: str | Path | None = None,
        name: str | None = None,
    ) -> None:
        self.port = port or free_port()
        if not port_is_free(self.port):
            raise ServerError(
                f"Port {self.port} is already in use: another server (perhaps one left from an "
                "earlier run) is listening there. Stop it, or leave the port out to use a free one."
            )
        self.command = [part.replace("{port}", str(self.port)) for part in command]
        self.ready_path = ready_path
        self.ready_timeout = ready_timeout
        self.env = {**os.environ, **(env or {})}
        self.cwd = cwd
        self.name = name or Path(self.command[0]).name
        self.process: subprocess.Popen[bytes] | None = None
        self._last_answer = ""
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        """Everything the server printed so far (stdout and stderr)."""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def start(self) -> BackgroundServer:
        self.process = subprocess.Popen(
            self.command, stdout=self._log, stderr=subprocess.STDOUT, env=self.env,
            cwd=self.cwd, start_new_session=True,
        )
        # The server has its own session, so it would outlive its Python (a kernel restarted
        # after a failed cell, a notebook left open across cells): stop it when Python exits.
        atexit.register(self.stop)
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(
                    f"{self.name} exited with code {self.process.returncode} before it was "
                    f"ready. Its output:\n{self.log()[-3000:]}"
                )
            if self._answers():
                self._record()
                return self
            time.sleep(0.2)
        self.stop()
        said = f" Its last answer: {self._last_answer}" if self._last_answer else ""
        raise ServerError(
            f"{self.name} did not answer {self.url}{self.ready_path} within "
            f"{self.ready_timeout:.0f} s.{said}\nIts output:\n{self._log_ends()}"
        )

    def _log_ends(self, chars: int = 1500) -> str:
        # Both ends: the start says why a load failed, the end what the server did last (a
        # server polled for minutes fills the middle with request lines).
        text = self.log()
        if len(text) <= 2 * chars:
            return text
        return f"{text[:chars]}\n[...]\n{text[-chars:]}"

    def _record(self) -> None:
        record = os.environ.get(RECORD_ENV)
        if record:
            line = json.dumps({"name": self.name, "port": self.port, "command": self.command})
            with open(record, "a", encoding="utf-8") as out:
                out.write(line + "\n")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + self.ready_path, timeout=2) as response:
                return response.status < 500
        except urllib.error.HTTPError as err:
            self._last_answer = f"{err.code} {err.read()[:500].decode(errors='replace')}"
            return err.code < 500
        except OSError:
            return False

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL after `timeout` seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)
        except ProcessLookupError:
            pass

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        atexit.unregister(self.stop)
        self._log.close()


def python_command(module: str, *args: str) -> list[str]:
    """`python -m module args` with this interpreter, so servers use the course's environment."""
    return [sys.executable, "-m", module, *args]
