"""The pinned environment: the lock, Binder's copy of it, and the top-level dependency names.

`requirements.lock` (made by `uv pip compile`) is the one source of truth. Binder reads
`binder/requirements.txt`, which is generated from the lock by `mlops-course env binder` and
checked against it by a test, so the two cannot drift apart.
"""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement

from mlops_course import settings

BINDER_HEADER = (
    "# Generated from requirements.lock by `mlops-course env binder`; do not edit by hand.\n"
    "# A test fails when this file and the lock drift apart.\n"
)


def lock_lines(lock_text: str | None = None) -> list[str]:
    """The requirement lines of the lock, without uv's comments."""
    text = settings.LOCK_FILE.read_text() if lock_text is None else lock_text
    return [
        line.strip() for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def binder_requirements(lock_text: str | None = None) -> str:
    """The content `binder/requirements.txt` must have for the current lock."""
    return BINDER_HEADER + "\n".join(lock_lines(lock_text)) + "\n"


def top_level_names() -> list[str]:
    """Names of the course's direct dependencies (what the version-drift canary upgrades)."""
    project = tomllib.loads((settings.REPO_ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(dep).name for dep in project["dependencies"]]
