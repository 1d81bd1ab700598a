"""Shared fixtures: free ports, a temporary workspace, and tools that must exist in CI."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlops_course import servers, settings

IN_CI = bool(os.environ.get("CI"))
ARTIFACTS = settings.REPO_ROOT / "test-artifacts"


def require_tool(name: str, why: str) -> str:
    """Path of an executable; skip locally when it is missing, but fail in CI."""
    path = shutil.which(name)
    if path:
        return path
    message = f"`{name}` is not installed ({why}); `./course test` installs it when run as root"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def free_port() -> int:
    return servers.free_port()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private student workspace: notebooks and helpers write here, not in the repo."""
    folder = tmp_path / "workspace"
    folder.mkdir()
    monkeypatch.setenv("MLOPS_WORKSPACE", str(folder))
    monkeypatch.setattr(settings, "WORKSPACE", folder)
    return folder


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where tests leave files worth keeping (timings, screenshots, reports)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# --- grading ------------------------------------------------------------------------------
# One grading of the warm-up lab's synthetic cohort, shared by the grading tests (slow: about a
# minute on 2 cores). The cell time limit is nbgrader's 30 s: the stock run it is compared with
# starts fresh kernels that import pandas, which takes over 10 s on a loaded 2-core machine.

GRADING_TEST_LIMITS = {"cell_seconds": 30, "wall_seconds": 150, "memory_mb": 768}


@pytest.fixture(scope="session")
def warmup_lab():
    from mlops_course.grading.lab import get_lab

    return get_lab("00-start-here")


@pytest.fixture(scope="session")
def graded_cohort(tmp_path_factory, warmup_lab):
    """The warm-up lab's synthetic cohort, generated and graded by the engine on 2 workers."""
    require_tool("bwrap", "the grading sandbox")
    from mlops_course.grading import cohort, run

    base = tmp_path_factory.mktemp("graded-cohort")
    folder = cohort.write(warmup_lab, base / "submissions")
    out = base / "grading"
    result = run.grade(
        warmup_lab, folder, run.Options(out=out, jobs=2, progress=False, **GRADING_TEST_LIMITS)
    )
    return {
        "lab": warmup_lab, "folder": folder, "out": out, "result": result,
        "manifest": {m["student"]: m for m in cohort.load_manifest(folder)},
    }


@pytest.fixture(autouse=True)
def _restore_environment():
    """Undo environment changes a test's libraries make behind its back.

    MLflow's ``set_experiment`` exports ``MLFLOW_EXPERIMENT_ID`` into ``os.environ``; left there,
    every notebook kernel started later in the session inherits an experiment id that does not
    exist in its own fresh tracking store, and fails.
    """
    with restored_environment():
        yield


@contextlib.contextmanager
def restored_environment() -> Iterator[None]:
    """`os.environ` as it was on entry, on exit: also for fixtures wider than one test."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
