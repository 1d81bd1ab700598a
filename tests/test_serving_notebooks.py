"""The sprint 03 and 04 notebooks start real servers; none may be left running afterwards.

Each notebook runs in fast mode with a marker in its environment, which the kernel and every
server it starts inherit. A watcher thread records the TCP ports that marked processes listen on
while the notebook runs; afterwards no marked process may be alive and every recorded port must
be free again.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import psutil
import pytest

from mlops_course import notebooks, settings
from mlops_course.servers import port_is_free

MARKER = "MLOPS_COURSE_SERVER_WATCH"
NOTEBOOKS = [
    settings.SPRINTS_DIR / "03-api" / "03a-prediction-api.ipynb",
    settings.SPRINTS_DIR / "03-api" / "03b-testing-and-skew.ipynb",
    settings.SPRINTS_DIR / "04-serving" / "04a-latency-and-optimisation.ipynb",
    settings.SPRINTS_DIR / "04-serving" / "04b-deployments-slos-and-ab-tests.ipynb",
    settings.SOLUTIONS_DIR / "03-api" / "api-contract.ipynb",
    settings.SOLUTIONS_DIR / "04-serving" / "serving-performance.ipynb",
]


def marked(marker: str) -> list[psutil.Process]:
    """Processes whose environment carries the marker (the kernel and what it started)."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(MARKER) == marker:
                found.append(process)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return found


def listening(process: psutil.Process) -> set[int]:
    try:
        return {
            c.laddr.port for c in process.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN
        }
    except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
        return set()


class PortWatcher(threading.Thread):
    """Polls the marked processes for listening ports until stopped."""

    def __init__(self, marker: str, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.marker, self.interval = marker, interval
        self.ports: set[int] = set()
        self.servers: set[str] = set()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            for process in marked(self.marker):
                ports = listening(process)
                if ports:
                    self.ports |= ports
                    try:
                        command = " ".join(process.cmdline())
                    except psutil.Error:
                        continue
                    if "ipykernel" not in command:  # the kernel's own ports are not servers
                        self.servers.add(command)
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)


def wait_until(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.mark.slow
@pytest.mark.parametrize(
    "path", NOTEBOOKS, ids=lambda p: str(p.relative_to(settings.REPO_ROOT))
)
def test_the_notebook_leaves_no_server_and_no_port_behind(
    path: Path, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    marker = uuid.uuid4().hex
    monkeypatch.setenv(MARKER, marker)
    watcher = PortWatcher(marker)
    watcher.start()
    try:
        notebooks.execute(path, tmp_path / path.name)
    finally:
        watcher.stop()
    assert watcher.servers, f"expected {path.name} to start at least one server"
    assert wait_until(lambda: not marked(marker)), (
        f"processes started by {path.name} are still running: "
        f"{[p.cmdline() for p in marked(marker)]}"
    )
    busy = sorted(p for p in watcher.ports if not port_is_free(p))
    assert not busy, f"ports still taken after {path.name}: {busy}"
