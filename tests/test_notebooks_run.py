"""Every walkthrough and every lab source runs top to bottom in fast mode, within budget, and
leaves no server and no port behind.

Each notebook runs with a marker in its environment, which the kernel and every server it starts
inherit. A watcher thread records the TCP ports that marked processes listen on while the
notebook runs, and every `BackgroundServer` that became ready records itself (a server that
lives a second under load can fall between two polls); afterwards no marked process may be
alive and every recorded port must be free.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path

import psutil
import pytest

from mlops_course import notebooks, settings, site
from mlops_course.servers import RECORD_ENV, port_is_free

ALL = notebooks.find_notebooks()
WALKTHROUGHS = set(site.walkthroughs())
MARKER = "MLOPS_COURSE_SERVER_WATCH"
# Notebooks that must start at least one server (and, like every notebook, stop it again).
STARTS_SERVERS = [
    settings.SPRINTS_DIR / "01-tracking" / "01a-framing-and-tracking.ipynb",
    settings.SPRINTS_DIR / "03-api" / "03a-prediction-api.ipynb",
    settings.SPRINTS_DIR / "03-api" / "03b-testing-and-skew.ipynb",
    settings.SPRINTS_DIR / "04-serving" / "04a-latency-and-optimisation.ipynb",
    settings.SPRINTS_DIR / "04-serving" / "04b-deployments-slos-and-ab-tests.ipynb",
    settings.SPRINTS_DIR / "05-pipelines-monitoring" / "05c-continuous-training.ipynb",
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
@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(settings.REPO_ROOT)))
def test_notebook_runs_in_fast_mode_within_budget(
    path: Path, workspace: Path, artifacts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    marker = uuid.uuid4().hex
    monkeypatch.setenv(MARKER, marker)
    record = tmp_path / "servers.jsonl"  # every BackgroundServer that became ready
    monkeypatch.setenv(RECORD_ENV, str(record))
    watcher = PortWatcher(marker)
    watcher.start()
    try:
        # Walkthroughs are kept executed for the course site (`./course site` reuses them);
        # lab sources hold solutions and stay in tmp_path.
        output = site.executed_copy(path) if path in WALKTHROUGHS else tmp_path / path.name
        timing = notebooks.execute(path, output)
    finally:
        watcher.stop()
    notebooks.record([timing], artifacts / "notebook-timings.json")
    started = [json.loads(line) for line in record.read_text().splitlines()] if (
        record.exists()) else []
    if path in STARTS_SERVERS:
        assert started or watcher.servers, f"expected {path.name} to start at least one server"
    assert wait_until(lambda: not marked(marker)), (
        f"processes started by {path.name} are still running: "
        f"{[p.cmdline() for p in marked(marker)]}"
    )
    ports = watcher.ports | {server["port"] for server in started}
    busy = sorted(p for p in ports if not port_is_free(p))
    assert not busy, f"ports still taken after {path.name}: {busy}"


def test_every_server_notebook_is_run():
    missing = [str(p) for p in STARTS_SERVERS if p not in ALL]
    assert not missing, f"listed as starting servers but not found by the harness: {missing}"
