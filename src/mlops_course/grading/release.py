"""`mlops-course release`: every student release in `labs/` regenerated from `solutions/`.

nbgrader's `generate_assignment` does the work (solutions replaced by stubs, hidden tests
removed, locked cells checksummed), with the course's `grading/nbgrader_config.py`. The output
is deterministic (outputs stripped, metadata as nbgrader writes it), so `stale()` can regenerate
a lab into a temporary folder and compare bytes: a test fails when `labs/` is out of date.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_course import settings
from mlops_course.grading import GradingError, config
from mlops_course.grading.lab import Lab, find_labs

if TYPE_CHECKING:
    from traitlets.config import Config


class ReleaseError(GradingError, RuntimeError):
    """nbgrader could not generate a lab's release (the message names the lab and the cause)."""


@dataclass(frozen=True)
class Generated:
    """A lab generated into a folder, with the gradebook nbgrader recorded its cells in."""

    lab: Lab
    folder: Path  # <release root>/<lab>/
    gradebook: Path


def generate(
    lab: Lab, workdir: Path, gradebook: Path | None = None, base: Config | None = None
) -> Generated:
    """Run nbgrader's GenerateAssignment for one lab into `workdir/release/<lab>/`.

    The gradebook (`workdir/gradebook.db` unless given) receives the lab's source cells, which
    is what the grading engine uses as its template. `base` is the nbgrader configuration to
    generate with (the course's `grading/nbgrader_config.py` unless given: another course's
    own, for the drop-in grader).
    """
    config.ensure_venv_on_path()
    from nbgrader.converters import GenerateAssignment
    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory

    from mlops_course.grading.gradebook import create_empty

    workdir.mkdir(parents=True, exist_ok=True)
    gradebook = gradebook or workdir / "gradebook.db"
    if not gradebook.exists():
        create_empty(gradebook)
    cfg = config.for_folders(
        root=workdir,
        db_url=config.sqlite_url(gradebook),
        source=lab.source_dir.parent,
        release=workdir / "release",
        base=base,
    )
    cfg.CourseDirectory.assignment_id = lab.name
    log = config.quiet_logger()
    coursedir = CourseDirectory(config=cfg, log=log)
    converter = GenerateAssignment(coursedir=coursedir, config=cfg, log=log)
    converter.force = True
    try:
        converter.start()
    except NbGraderException as err:
        raise ReleaseError(
            f"nbgrader could not generate lab {lab.name} from {lab.source_dir}: {err}. Run "
            f"`nbgrader generate_assignment {lab.name}` for its full log."
        ) from err
    return Generated(lab, workdir / "release" / lab.name, gradebook)


def _files(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
    }


def release(labs: list[Lab] | None = None) -> list[Path]:
    """Regenerate the release of every lab (or of `labs`); return the files written."""
    written: list[Path] = []
    for lab in labs if labs is not None else find_labs():
        with tempfile.TemporaryDirectory(prefix="mlops-release-") as tmp:
            generated = generate(lab, Path(tmp))
            if lab.release_dir.exists():
                shutil.rmtree(lab.release_dir)
            lab.release_dir.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(generated.folder, lab.release_dir)
        written.extend(lab.release_dir / name for name in _files(lab.release_dir))
    return written


def stale(lab: Lab) -> list[str]:
    """What differs between `labs/<lab>/` and a fresh release; empty when up to date."""
    with tempfile.TemporaryDirectory(prefix="mlops-release-") as tmp:
        fresh = _files(generate(lab, Path(tmp)).folder)
    current = _files(lab.release_dir)
    shown = settings.display_path(lab.release_dir)
    problems = [f"{shown}/{name} is missing" for name in sorted(set(fresh) - set(current))]
    problems += [
        f"{shown}/{name} should not be there" for name in sorted(set(current) - set(fresh))
    ]
    problems += [
        f"{shown}/{name} differs from what {settings.display_path(lab.source_dir)} generates"
        for name in sorted(set(fresh) & set(current))
        if fresh[name] != current[name]
    ]
    return problems
