"""The course's nbgrader configuration (`grading/nbgrader_config.py`), loaded once and pointed at
the folders of one run.

Every command that touches nbgrader (`release`, `grade`, `verify`, `check`, and stock
`nbgrader` in the tests and the benchmark) reads the same file, so the per-cell timeout, the
output limits and the solution stubs cannot differ between them.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

# jsonschema (imported by nbformat and nbgrader) imports the optional rfc3987-syntax package,
# when installed, for its `iri` format check, and that package builds 39 grammars on import:
# seconds of CPU in every grading process. Neither nbformat's nor nbgrader's schemas use `iri`,
# so the import is skipped here, as `mlops_course.cards` does. Student kernels are not affected:
# the kernel factory never imports this module.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from traitlets.config import Config  # noqa: E402 - after the line above, on purpose
from traitlets.config.loader import PyFileConfigLoader  # noqa: E402

from mlops_course import settings  # noqa: E402

CONFIG_FILE = settings.GRADING_DIR / "nbgrader_config.py"
LOG = logging.getLogger("mlops_course.grading")


def load(path: Path = CONFIG_FILE) -> Config:
    """The configuration in `path` (the course's `grading/nbgrader_config.py` by default)."""
    loader = PyFileConfigLoader(path.name, path=str(path.parent), log=LOG)
    return loader.load_config()


def for_folders(
    *,
    root: Path,
    db_url: str,
    source: Path | None = None,
    release: Path | None = None,
    submitted: Path | None = None,
    autograded: Path | None = None,
    feedback: Path | None = None,
    base: Config | None = None,
) -> Config:
    """The course configuration with nbgrader's folders moved to those of one run."""
    cfg = Config(base if base is not None else load())
    cd = cfg.CourseDirectory
    cd.root = str(root)
    cd.db_url = db_url
    cd.source_directory = str(source or settings.SOLUTIONS_DIR)
    cd.release_directory = str(release or root / "release")
    cd.submitted_directory = str(submitted or root / "submitted")
    cd.autograded_directory = str(autograded or root / "autograded")
    cd.feedback_directory = str(feedback or root / "feedback")
    return cfg


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def ensure_venv_on_path() -> None:
    """nbgrader runs the `alembic` script when it creates a gradebook: find the venv's copy."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def quiet_logger(name: str = "mlops_course.nbgrader", level: int = logging.ERROR) -> logging.Logger:
    """A logger for nbgrader converters and preprocessors that only speaks up on errors."""
    logger = logging.getLogger(name)
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[nbgrader] %(levelname)s %(message)s"))
        logger.addHandler(handler)
    logger.propagate = False
    return logger


def to_plain(cfg: Config) -> dict[str, Any]:
    """A picklable, plain-dict copy of a traitlets Config (for workers on other machines)."""
    return {
        section: dict(values) if isinstance(values, dict) else values
        for section, values in cfg.items()
    }


def from_plain(data: dict[str, Any]) -> Config:
    return Config({k: Config(v) if isinstance(v, dict) else v for k, v in data.items()})
