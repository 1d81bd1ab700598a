"""What grading produces: the status of a submission, its outcome, the grades a gradebook holds,
and the result of a whole run. The engine, the run, the gradebook and the reports all speak in
these types, so they live apart from any one of them (and import nothing heavy).

Statuses (exactly one per submission, the most serious that applies):
    missing notebook   an expected notebook is not in the submission (wrong file name too)
    invalid notebook   not a notebook: empty, corrupt JSON, or nbgrader cannot read its metadata
    crashed kernel     the kernel died (os._exit, a fatal signal); scored as nbgrader does: 0
    timed out          a cell ran past the cell time limit and was interrupted, or the whole
                       submission past its wall-clock budget (then it is stopped and scores 0)
    memory limit       a cell ran out of memory (MemoryError) or the kernel was stopped for it
    tampered           a locked or test cell was edited, deleted or duplicated (nbgrader
                       restores them, so the score is still fair; the instructor should look)
    graded             everything ran
Limits that are absorbed without changing the grading (too much output, the process limit)
are reported as notes next to the status.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any


class Status(StrEnum):
    GRADED = "graded"
    TAMPERED = "tampered"
    MEMORY_LIMIT = "memory limit"
    TIMED_OUT = "timed out"
    CRASHED = "crashed kernel"
    INVALID = "invalid notebook"
    MISSING = "missing notebook"

    @property
    def severity(self) -> int:
        return list(Status).index(self)


@dataclass
class Outcome:
    """What grading one submission produced."""

    student: str
    status: Status
    reason: str
    notes: list[str] = field(default_factory=list)
    score: float = 0.0
    max_score: float = 0.0
    cells: dict[str, dict[str, list[float | None]]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)  # notebook -> tampered cells
    graded: dict[str, str] = field(default_factory=dict)  # notebook -> autograded JSON
    feedback: dict[str, str] = field(default_factory=dict)  # notebook -> HTML
    gradebook: bytes = b""
    seconds: dict[str, float] = field(default_factory=dict)
    digest: str = ""
    sandbox: str = ""
    worker: str = ""

    def summary(self) -> dict[str, Any]:
        """The JSON-friendly part (no notebooks, no gradebook bytes)."""
        data = asdict(self)
        for key in ("graded", "feedback", "gradebook"):
            data.pop(key)
        data["status"] = self.status.value
        return data


@dataclass
class CellGrade:
    """One graded cell as a gradebook holds it."""

    auto_score: float | None
    manual_score: float | None
    max_score: float
    needs_manual_grade: bool

    @property
    def score(self) -> float:
        """The effective score, as nbgrader's `Grade.score`: a manual score wins."""
        value = self.manual_score if self.manual_score is not None else self.auto_score
        return float(value or 0.0)


@dataclass
class SubmissionGrades:
    """Everything a per-submission gradebook holds about its one submission."""

    student: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    lms_user_id: str | None = None
    timestamp: datetime | None = None
    grades: dict[str, dict[str, CellGrade]] = field(default_factory=dict)  # notebook -> cell
    comments: dict[str, dict[str, str | None]] = field(default_factory=dict)
    late_penalty: dict[str, float | None] = field(default_factory=dict)

    def score(self) -> float:
        return sum((g.score for cells in self.grades.values() for g in cells.values()), 0.0)


@dataclass
class RunResult:
    """What one grading run did: this run's outcomes, every student's latest summary, files."""

    lab: str
    out: Path
    outcomes: dict[str, Outcome]  # this run's, by student
    summaries: dict[str, dict]  # every student's latest summary (ledger), by student
    skipped: list[str]
    reused: list[str]
    files: dict[str, Path] = field(default_factory=dict)
    sandbox: str = ""
    stale: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)  # folders gone: dropped everywhere
    seconds: dict[str, float] = field(default_factory=dict)
