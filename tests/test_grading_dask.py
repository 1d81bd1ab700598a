"""Scale-out: a real Dask scheduler and two workers on loopback grade a cohort."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlops_course.grading import cohort, run

from .conftest import GRADING_TEST_LIMITS, require_tool

pytestmark = pytest.mark.slow


def _wait_for_port(port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


@pytest.fixture
def dask_cluster(free_port, tmp_path):
    """`dask scheduler` and two `dask worker` processes, stopped whatever happens."""
    dask = str(Path(sys.executable).parent / "dask")
    address = f"tcp://127.0.0.1:{free_port}"
    common = {
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.STDOUT,
        "start_new_session": True,
        "cwd": tmp_path,
    }
    procs = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(free_port), "--no-dashboard"],
            **common,
        )
    ]
    try:
        _wait_for_port(free_port)
        for name in ("worker-a", "worker-b"):
            procs.append(
                subprocess.Popen(
                    [
                        dask,
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--name",
                        name,
                        "--no-dashboard",
                        "--memory-limit",
                        "0",
                        "--host",
                        "127.0.0.1",
                    ],
                    **common,
                )
            )
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)


def test_a_cohort_is_graded_through_a_real_dask_scheduler_and_two_workers(
    dask_cluster, warmup_lab, tmp_path
):
    require_tool("bwrap", "the grading sandbox")
    full = cohort.write(warmup_lab, tmp_path / "all")
    folder = tmp_path / "four"
    folder.mkdir()
    for student in ("correct", "blank", "partly-right", "os-exit"):
        (full / student).rename(folder / student)
    result = run.grade(
        warmup_lab,
        folder,
        run.Options(
            out=tmp_path / "out", scheduler=dask_cluster, progress=False, **GRADING_TEST_LIMITS
        ),
    )
    got = {s: (o.status.value, o.score) for s, o in result.outcomes.items()}
    assert got == {
        "correct": ("graded", 5.0),
        "blank": ("graded", 0.0),
        "partly-right": ("graded", 1.0),
        "os-exit": ("crashed kernel", 0.0),
    }
    workers = {o.worker for o in result.outcomes.values()}
    assert len(workers) == 2, f"expected both Dask workers to grade, got {workers}"
    assert all(o.sandbox.startswith("bubblewrap") for o in result.outcomes.values())
