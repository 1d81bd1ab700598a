"""Shared fixtures: free ports, a temporary workspace, and tools that must exist in CI."""

from __future__ import annotations

import os
import shutil
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
