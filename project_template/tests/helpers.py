"""Test helpers: free ports and servers started in their own process group, always stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "test-key-not-a-secret"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) != 0


class Server:
    """A command serving HTTP on a port, in its own process group, stopped on exit.

    `ready_path` is polled until it answers `ready_status`; the whole group (the server and
    anything it forked) is stopped with SIGTERM, then SIGKILL, even if the test failed.
    """

    def __init__(
        self,
        command: Sequence[str],
        port: int,
        ready_path: str,
        env: dict[str, str] | None = None,
        ready_status: int = 200,
        timeout: float = 120.0,
    ) -> None:
        self.command, self.port = list(command), port
        self.ready_path, self.ready_status, self.timeout = ready_path, ready_status, timeout
        self.env = {**os.environ, **(env or {})}
        self.url = f"http://127.0.0.1:{port}"
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (kept open for log(); closed by GC)
        self.process: subprocess.Popen[bytes] | None = None

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def __enter__(self) -> Server:
        assert port_is_free(self.port), f"port {self.port} is taken before the server started"
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited early ({self.process.returncode}):\n{self.log()}"
                )
            try:
                if (
                    httpx.get(self.url + self.ready_path, timeout=2).status_code
                    == self.ready_status
                ):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"server not ready within {self.timeout:.0f} s:\n{self.log()}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        deadline = time.monotonic() + 5
        while not port_is_free(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert port_is_free(self.port), f"port {self.port} still in use after stopping the server"
