"""Every path and port the course uses, in one place.

Notebooks and tests import these instead of writing path literals. `MLOPS_COURSE_HOME`
points the package at another checkout (for example a copy on Binder); `MLOPS_WORKSPACE`
moves the folder where students' runs, stores and reports are written.
"""

from __future__ import annotations

import os
from pathlib import Path


def _repo_root() -> Path:
    env = os.environ.get("MLOPS_COURSE_HOME")
    if env:
        return Path(env).resolve()
    # src/mlops_course/settings.py -> repository root (the package is installed editable).
    return Path(__file__).resolve().parents[2]


REPO_ROOT = _repo_root()
DATASETS_DIR = REPO_ROOT / "datasets"
SPRINTS_DIR = REPO_ROOT / "sprints"
SOLUTIONS_DIR = REPO_ROOT / "solutions"
LABS_DIR = REPO_ROOT / "labs"
GRADING_DIR = REPO_ROOT / "grading"
TEMPLATE_DIR = REPO_ROOT / "project_template"
LOCK_FILE = REPO_ROOT / "requirements.lock"
BINDER_REQUIREMENTS = REPO_ROOT / "binder" / "requirements.txt"
WORKSPACE = Path(os.environ.get("MLOPS_WORKSPACE", REPO_ROOT / "workspace")).resolve()

# Default ports of the servers the course starts from Python; helpers fall back to a free port
# when one is taken. (JupyterLab's port is `./course lab --port`; API servers take a free port.)
MLFLOW_PORT = 5000
STREAMLIT_PORT = 8501

# The notebook harness's runtime budget in fast mode (seconds), for labs and walkthroughs alike,
# unless a notebook declares its own `budget_seconds`.
DEFAULT_LAB_BUDGET = 60.0


def workspace(*parts: str) -> Path:
    """Return a folder under the student's workspace, created if needed."""
    path = WORKSPACE.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def display_path(path: Path) -> str:
    """`path` relative to the course folder when it lies inside it (shorter messages)."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
