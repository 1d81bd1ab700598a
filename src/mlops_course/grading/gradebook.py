"""Gradebooks: nbgrader's sqlite schema, so `nbgrader` commands and formgrader keep working.

A grading run builds one template gradebook per lab (the lab's source cells, recorded by
nbgrader's generate_assignment). Each worker copies the template for every submission, lets
nbgrader's own preprocessors write the scores into that copy, and hands the copy back. At the
end, `merge` writes every per-submission gradebook into the course gradebook in one transaction:
either all of a run's grades land, or none do and the course gradebook is as it was.

Creating a gradebook the way nbgrader does runs the `alembic` command in a subprocess (about
ten seconds here); `create_empty` records the schema version directly instead.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sqlite3
import tempfile
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from mlops_course.grading import config

COURSE_ID = "mlops-course"

# nbgrader's Gradebook.add_submission trips SQLAlchemy 2's warning about backref cascades on
# every new submission (its rows are added correctly); the warning is noise for graders.
warnings.filterwarnings("ignore", message=r"Object of type <\w+> not in session")


class GradebookError(RuntimeError):
    """The course gradebook cannot take this run's grades (the message says why)."""


@lru_cache(maxsize=1)
def alembic_head() -> str:
    """nbgrader's newest schema revision, read from its migration scripts (no subprocess)."""
    spec = importlib.util.find_spec("nbgrader")
    if spec is None or spec.origin is None:
        raise GradebookError("nbgrader is not installed; run `./course setup`.")
    versions = Path(spec.origin).parent / "alembic" / "versions"
    revisions, parents = set(), set()
    for script in versions.glob("*.py"):
        text = script.read_text()
        rev = re.search(r"^revision\s*=\s*['\"](\w+)['\"]", text, re.M)
        down = re.search(r"^down_revision\s*=\s*['\"](\w+)['\"]", text, re.M)
        if rev:
            revisions.add(rev.group(1))
        if down:
            parents.add(down.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        raise GradebookError(f"cannot tell nbgrader's schema version from {versions}: {heads}")
    return heads.pop()


_SPED_UP = False


def speed_up_nbgrader() -> None:
    """Work nbgrader repeats for every notebook, done once per worker; results are unchanged.

    - Every `Gradebook(...)` creates a new SQLAlchemy engine, so every query is compiled again
      (nbgrader opens a gradebook several times per notebook): reuse one engine per database,
      without a connection pool, so its compiled-statement cache is kept.
    - Every `Gradebook(...)` also lists the tables and creates missing ones: once per engine.
    - `CheckCellMetadata` calls `jsonschema.validate`, which checks nbgrader's schema itself
      before every cell: check it once and reuse the validator.
    """
    global _SPED_UP
    if _SPED_UP:
        return
    _SPED_UP = True
    import jsonschema
    import nbgrader.api as api
    import nbgrader.nbgraderformat.common as common
    from sqlalchemy.pool import NullPool

    engines: dict = {}
    create_engine = api.create_engine

    def shared_engine(url, **kwargs):
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in engines:
            engines[key] = create_engine(url, poolclass=NullPool, **kwargs)
        return engines[key]

    class CachedJsonschema:
        """`jsonschema` with a `validate` that checks each schema once, then as before."""

        def __init__(self) -> None:
            self._validators: dict[str, object] = {}

        def validate(self, instance, schema, cls=None, *args, **kwargs):
            key = json.dumps(schema, sort_keys=True)
            validator = self._validators.get(key)
            if validator is None:
                cls = cls or jsonschema.validators.validator_for(schema)
                cls.check_schema(schema)
                validator = self._validators[key] = cls(schema, *args, **kwargs)
            error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
            if error is not None:
                raise error

        def __getattr__(self, name):
            return getattr(jsonschema, name)

    # Each Gradebook(...) also asks the database for its tables and creates the missing ones;
    # with one engine per database file that needs doing once per engine. (Per-submission
    # gradebooks are always copies of a complete template, so their tables never go missing.)
    prepared: dict[int, list[str]] = {}
    inspect, create_all = api.inspect, api.Base.metadata.create_all

    class Tables:
        def __init__(self, names: list[str]) -> None:
            self.names = names

        def get_table_names(self) -> list[str]:
            return self.names

    def cached_inspect(obj):
        if id(obj) in prepared and any(obj is e for e in engines.values()):
            return Tables(prepared[id(obj)])
        return inspect(obj)

    def create_all_once(bind=None, **kwargs):
        if bind is not None and any(bind is e for e in engines.values()):
            if id(bind) in prepared:
                return None
            create_all(bind=bind, **kwargs)
            prepared[id(bind)] = inspect(bind).get_table_names()
            return None
        return create_all(bind=bind, **kwargs)

    api.create_engine = shared_engine
    api.inspect = cached_inspect
    api.Base.metadata.create_all = create_all_once
    common.jsonschema = CachedJsonschema()


def create_empty(path: Path) -> Path:
    """A new gradebook file that nbgrader will fill with its tables on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)"
        )
        if conn.execute("SELECT COUNT(*) FROM alembic_version").fetchone()[0] == 0:
            conn.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (alembic_head(),))
    conn.close()
    return path


def open_gradebook(path: Path, course_id: str = COURSE_ID):
    """nbgrader's `Gradebook` on a sqlite file, created (quickly) when missing."""
    from nbgrader.api import Gradebook

    if not path.exists():
        create_empty(path)
    return Gradebook(config.sqlite_url(path), course_id)


def start_submission(
    db: Path,
    lab: str,
    student: str,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    lms_user_id: str | None = None,
    timestamp: str | None = None,
    course_id: str = COURSE_ID,
) -> None:
    """Record the student and an empty submission in a per-submission copy of the template."""
    names = {
        k: v
        for k, v in dict(
            first_name=first_name, last_name=last_name, email=email, lms_user_id=lms_user_id
        ).items()
        if v
    }
    with open_gradebook(db, course_id) as gb:
        gb.update_or_create_student(student, **names)
        if timestamp:
            gb.update_or_create_submission(lab, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(lab, student)


def zero_notebook(
    db: Path, lab: str, student: str, notebook: str, course_id: str = COURSE_ID
) -> None:
    """nbgrader's rule for a notebook missing from a submission: every cell scores 0."""
    with open_gradebook(db, course_id) as gb:
        submission = gb.find_submission_notebook(notebook, lab, student)
        for grade in submission.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
        gb.db.commit()


@dataclass
class CellGrade:
    auto_score: float | None
    manual_score: float | None
    max_score: float
    needs_manual_grade: bool


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
        total = 0.0
        for cells in self.grades.values():
            for g in cells.values():
                value = g.manual_score if g.manual_score is not None else g.auto_score
                total += value or 0.0
        return total


def read_submission(
    db: Path, lab: str, student: str, course_id: str = COURSE_ID
) -> SubmissionGrades:
    """The grades, comments and student details of one submission in a gradebook."""
    with open_gradebook(db, course_id) as gb:
        sub = gb.find_submission(lab, student)
        who = sub.student
        out = SubmissionGrades(
            student, who.first_name, who.last_name, who.email, who.lms_user_id, sub.timestamp
        )
        for snb in sub.notebooks:
            name = snb.notebook.name
            out.grades[name] = {
                g.cell.name: CellGrade(
                    g.auto_score, g.manual_score, float(g.max_score), bool(g.needs_manual_grade)
                )
                for g in snb.grades
            }
            out.comments[name] = {c.cell.name: c.auto_comment for c in snb.comments}
            out.late_penalty[name] = snb.late_submission_penalty
    return out


def merge(course_db: Path, lab: str, submissions: list[Path], course_id: str = COURSE_ID) -> int:
    """Write every per-submission gradebook into the course gradebook, in one transaction.

    Manual scores a grader already gave in the course gradebook are kept (and the cell is
    flagged for review), exactly as `nbgrader autograde` does when it regrades.
    """
    from nbgrader.api import Comment, Grade, Student, SubmittedAssignment, SubmittedNotebook

    speed_up_nbgrader()
    incoming = []
    with tempfile.TemporaryDirectory(prefix="mlops-merge-") as tmp:
        # Read every per-submission gradebook through one path, so one SQLAlchemy engine (and
        # its compiled queries) serves them all.
        reading = Path(tmp) / "submission.db"
        for db in submissions:
            with sqlite3.connect(db) as conn:
                students = [row[0] for row in conn.execute("SELECT id FROM student")]
            conn.close()
            if len(students) != 1:
                raise GradebookError(f"{db} should hold exactly one student, holds {len(students)}")
            shutil.copyfile(db, reading)
            incoming.append(read_submission(reading, lab, students[0], course_id))

    with open_gradebook(course_db, course_id) as gb:
        session = gb.db
        try:
            assignment = gb.find_assignment(lab)
            cell_names, structure = {}, []
            for nb in assignment.notebooks:
                cells = {
                    "grade": list(nb.grade_cells),
                    "solution": list(nb.solution_cells),
                    "task": list(nb.task_cells),
                }
                structure.append((nb, cells))
                for cell in cells["grade"] + cells["solution"] + cells["task"]:
                    cell_names[cell.id] = cell.name
            for sub_in in incoming:
                student = session.get(Student, sub_in.student)
                if student is None:
                    student = Student(id=sub_in.student)
                    session.add(student)
                for attr in ("first_name", "last_name", "email", "lms_user_id"):
                    if getattr(sub_in, attr):
                        setattr(student, attr, getattr(sub_in, attr))
                sub = (
                    session.query(SubmittedAssignment)
                    .filter_by(assignment_id=assignment.id, student_id=sub_in.student)
                    .one_or_none()
                )
                if sub is None:  # mirror Gradebook.add_submission, without its commit
                    # SQLAlchemy 2 does not cascade along backrefs: add every new row.
                    with session.no_autoflush:
                        sub = SubmittedAssignment(assignment=assignment, student=student)
                        rows: list = [sub]
                        for nb, cells in structure:
                            snb = SubmittedNotebook(assignment=sub, notebook=nb)
                            rows.append(snb)
                            for cell in cells["grade"]:
                                rows.append(Grade(cell_id=cell.id, notebook=snb))
                            for cell in cells["solution"]:
                                rows.append(Comment(cell_id=cell.id, notebook=snb))
                            for cell in cells["task"]:
                                rows.append(Comment(cell_id=cell.id, notebook=snb))
                                rows.append(Grade(cell_id=cell.id, notebook=snb))
                        session.add_all(rows)
                sub.timestamp = sub_in.timestamp
                for snb in sub.notebooks:
                    name = snb.notebook.name
                    grades_in = sub_in.grades.get(name, {})
                    snb.late_submission_penalty = sub_in.late_penalty.get(name)
                    for grade in snb.grades:
                        new = grades_in.get(cell_names[grade.cell_id])
                        if new is None:
                            continue
                        grade.auto_score = new.auto_score
                        grade.needs_manual_grade = (
                            True if grade.manual_score is not None else new.needs_manual_grade
                        )
                    comments_in = sub_in.comments.get(name, {})
                    for comment in snb.comments:
                        name_of = cell_names[comment.cell_id]
                        if name_of in comments_in:
                            comment.auto_comment = comments_in[name_of]
            session.commit()
        except Exception:
            session.rollback()
            raise
    return len(incoming)


def students_with_submissions(db: Path, lab: str) -> set[str]:
    """Students with a submission of `lab` in a gradebook (plain SQL: no nbgrader import)."""
    if not db.exists():
        return set()
    with sqlite3.connect(db) as conn:
        try:
            rows = conn.execute(
                "SELECT s.student_id FROM submitted_assignment s JOIN assignment a "
                "ON s.assignment_id = a.id WHERE a.name = ?",
                (lab,),
            ).fetchall()
        except sqlite3.OperationalError:  # no tables yet
            rows = []
    conn.close()
    return {row[0] for row in rows}


def course_scores(
    course_db: Path, lab: str, course_id: str = COURSE_ID
) -> dict[str, SubmissionGrades]:
    """Every submission of `lab` in the course gradebook, by student id."""
    out: dict[str, SubmissionGrades] = {}
    if not course_db.exists():
        return out
    with open_gradebook(course_db, course_id) as gb:
        try:
            students = [s.student.id for s in gb.assignment_submissions(lab)]
        except Exception:  # noqa: BLE001 - no such assignment yet
            return out
    for student in students:
        out[student] = read_submission(course_db, lab, student, course_id)
    return out


def cell_scores(
    db: Path, lab: str, course_id: str = COURSE_ID
) -> dict[tuple[str, str, str], float]:
    """(student, notebook, cell) -> effective score, nbgrader's `Grade.score` for every cell."""
    scores = {}
    for student, sub in course_scores(db, lab, course_id).items():
        for notebook, cells in sub.grades.items():
            for cell, g in cells.items():
                value = g.manual_score if g.manual_score is not None else g.auto_score
                scores[(student, notebook, cell)] = float(value or 0.0)
    return scores


def integrity_errors(db: Path) -> list[str]:
    """SQLite's own integrity check plus foreign keys: an empty list means intact."""
    with sqlite3.connect(db) as conn:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
        problems += [str(row) for row in conn.execute("PRAGMA foreign_key_check")]
    conn.close()
    return problems
