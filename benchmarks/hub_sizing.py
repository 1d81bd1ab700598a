"""Memory and CPU of one active student, for sizing a hub (hub/README.md, "Sizing").

    .venv/bin/python benchmarks/hub_sizing.py [NOTEBOOK ...] [--full-timeout SECONDS]

Runs each walkthrough (default: the sprints that train, serve or load models) in fast mode with
the course's notebook harness, in a fresh workspace, while sampling every process it starts (the
kernel and whatever the kernel starts: servers, workers) every 0.2 s. The heaviest one by peak
memory is then run again in full mode. It also starts one idle JupyterLab server, as a student's
server on the hub is before any notebook runs. Printed per run: wall seconds, CPU seconds, mean
cores busy (CPU / wall) and the peak of the summed resident memory (RSS; libraries shared
between processes are counted in each, so this is an upper bound).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from mlops_course import notebooks, servers, settings

ROOT = settings.REPO_ROOT
CANDIDATES = [
    "sprints/01-tracking/01a-framing-and-tracking.ipynb",
    "sprints/04-serving/04a-latency-and-optimisation.ipynb",
    "sprints/05-pipelines-monitoring/05a-pipelines.ipynb",
    "sprints/05-pipelines-monitoring/05c-continuous-training.ipynb",
    "sprints/06-llmops/06a-rag-retrieval.ipynb",
    "sprints/06-llmops/06b-generation-tracing-evaluation.ipynb",
]
MB = 1024 * 1024


@dataclass
class Usage:
    what: str
    wall: float
    cpu: float
    peak_mb: float

    def row(self) -> str:
        cores = self.cpu / self.wall if self.wall else 0.0
        return (f"{self.what:<58} {self.wall:>7.1f} {self.cpu:>7.1f} {cores:>6.2f} "
                f"{self.peak_mb:>8.0f}")


class Sampler:
    """Peak summed RSS and CPU seconds of the descendants of one process, sampled."""

    def __init__(self, root: psutil.Process) -> None:
        self.root = root
        self.peak = 0
        self.cpu: dict[int, float] = {}  # last CPU seconds seen per pid (they exit on their own)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            total = 0
            for proc in self.root.children(recursive=True):
                try:
                    total += proc.memory_info().rss
                    times = proc.cpu_times()
                    self.cpu[proc.pid] = times.user + times.system
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)


def run_notebook(path: Path, fast: bool, out: Path) -> Usage:
    """One walkthrough, in a fresh workspace, with the harness the tests use."""
    with tempfile.TemporaryDirectory() as workspace:
        os.environ["MLOPS_WORKSPACE"] = workspace
        started = time.perf_counter()
        mode = "fast" if fast else "full"
        with Sampler(psutil.Process()) as sampler:
            try:
                notebooks.execute(path, out / path.name, parameters={"FAST": fast}, budget=1e9)
            except notebooks.NotebookError as err:
                # A walkthrough may end on input() ("press Enter to stop the dashboard"), which
                # a batch run cannot answer: its work is done by then, so the figures stand.
                if "raw_input was called" not in str(err):
                    raise
                mode += ", to its closing input()"
        wall = time.perf_counter() - started
    return Usage(f"{path.relative_to(ROOT)} ({mode})", wall, sum(sampler.cpu.values()),
                 sampler.peak / MB)


def idle_server(seconds: float = 10.0) -> Usage:
    """A student's JupyterLab with the course's extensions, idle after it first answers."""
    port = servers.free_port()
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(ROOT / "binder" / "student-mode")}
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
               f"--port={port}", "--ServerApp.token=", f"--ServerApp.root_dir={ROOT}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < 120:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/status", timeout=1).is_success:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        time.sleep(seconds)
        server = psutil.Process(proc.pid)
        rss = server.memory_info().rss
        times = server.cpu_times()
        return Usage("JupyterLab server, idle", time.perf_counter() - started,
                     times.user + times.system, rss / MB)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", default=CANDIDATES)
    parser.add_argument("--no-full", action="store_true", help="fast mode only")
    parser.add_argument("--full", metavar="NOTEBOOK", help="only this walkthrough, in full mode")
    args = parser.parse_args()
    if args.full:
        with tempfile.TemporaryDirectory() as out:
            print(run_notebook(ROOT / args.full, fast=False, out=Path(out)).row())
        return
    print(f"Hub sizing on {psutil.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / MB / 1024:.0f} GB; load average "
          f"{os.getloadavg()[0]:.1f} at the start.\n")
    print(f"{'run':<58} {'wall s':>7} {'CPU s':>7} {'cores':>6} {'peak MB':>8}")
    usages = [idle_server()]
    print(usages[0].row(), flush=True)
    with tempfile.TemporaryDirectory() as out:
        fast = []
        for name in args.notebooks:
            usage = run_notebook(ROOT / name, fast=True, out=Path(out))
            fast.append((usage, ROOT / name))
            print(usage.row(), flush=True)
        heaviest, path = max(fast, key=lambda pair: pair[0].peak_mb)
        if not args.no_full:
            full = run_notebook(path, fast=False, out=Path(out))
            print(full.row(), flush=True)
            heaviest = max(heaviest, full, key=lambda u: u.peak_mb)
    print(f"\nOne active student at the heaviest: server {usages[0].peak_mb:.0f} MB + "
          f"walkthrough {heaviest.peak_mb:.0f} MB = {usages[0].peak_mb + heaviest.peak_mb:.0f} MB"
          f" ({heaviest.what}).")
    print(f"Load average {os.getloadavg()[0]:.1f} at the end (other work inflates wall seconds, "
          "not memory or CPU seconds).")


if __name__ == "__main__":
    main()
