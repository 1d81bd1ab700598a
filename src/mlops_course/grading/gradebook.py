"""Gradebooks: nbgrader's sqlite schema, so `nbgrader` commands and formgrader keep working.

A grading run builds one template gradebook per lab (the lab's source cells, recorded by
nbgrader's generate_assignment). Each worker copies the template for every submission, lets
nbgrader's own preprocessors write the scores into that copy, and hands the copy back. At the
end, `merge` writes every per-submission gradebook into the course gradebook in one transaction:
either all of a run's grades land, or none do and the course gradebook is as it was.

Creating a gradebook the way nbgrader does runs the `alembic` command in a subprocess (about
ten seconds here); `create_empty` records the schema version directly instead.

Per submission, the work around nbgrader's own writes is kept to a few statements: a worker
builds, once, a copy of the template holding an empty submission by a placeholder student
(`submission_template`, nbgrader's own `add_submission`), and `claim_submission` hands that
submission to each student; the grades are read back with one query per table
(`read_submission`) instead of nbgrader's lazy loads, one per row.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import warnings
from pathlib import Path

from mlops_course.grading import GradingError, config
from mlops_course.grading.nbgrader_overrides import (
    add_submission,
    alembic_head,
    assignment_cells,
    speed_up_nbgrader,
)
from mlops_course.grading.outcomes import CellGrade, SubmissionGrades

COURSE_ID = "mlops-course"

# nbgrader's Gradebook.add_submission trips SQLAlchemy 2's warning about backref cascades on
# every new submission (its rows are added correctly); the warning is noise for graders.
warnings.filterwarnings("ignore", message=r"Object of type <\w+> not in session")


class GradebookError(GradingError, RuntimeError):
    """The course gradebook cannot take this run's grades (the message says why)."""


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
    timestamp: str | None = None,
    names: dict[str, str | None] | None = None,
    course_id: str = COURSE_ID,
) -> None:
    """Record the student and an empty submission in a per-submission copy of the template.

    `names` holds the student's `first_name`, `last_name`, `email` and `lms_user_id` where
    known (`Submission.names()`); empty ones are left out.
    """
    names = {k: v for k, v in (names or {}).items() if v}
    with open_gradebook(db, course_id) as gb:
        gb.update_or_create_student(student, **names)
        if timestamp:
            gb.update_or_create_submission(lab, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(lab, student)


# The student of a worker's submission template: a NUL cannot occur in a folder name, so no real
# student id can collide with it.
PLACEHOLDER = "\x00template-student"


def submission_template(
    template_db: bytes, lab: str, folder: Path, course_id: str = COURSE_ID
) -> bytes:
    """The lab's template gradebook plus one empty submission by `PLACEHOLDER`, built once.

    nbgrader's `add_submission` creates the submission's rows (notebooks, a grade per graded
    cell, a comment per answer cell) through dozens of ORM queries; a worker pays for that once
    and copies the result for every student (`claim_submission`).
    """
    path = folder / "submission-template.db"
    path.write_bytes(template_db)
    start_submission(path, lab, PLACEHOLDER, course_id=course_id)
    data = path.read_bytes()
    path.unlink()
    return data


def claim_submission(
    db: Path,
    student: str,
    *,
    timestamp: str | None = None,
    names: dict[str, str | None] | None = None,
) -> None:
    """Give the placeholder's submission in a copy of `submission_template` to `student`.

    The rows end as `start_submission` leaves them: the student with the names given, and the
    submission's timestamp parsed by nbgrader's own `parse_utc` and stored through SQLAlchemy's
    sqlite DATETIME type, as nbgrader's ORM stores it.
    """
    from nbgrader.utils import parse_utc
    from sqlalchemy.dialects import sqlite

    names = {k: v for k, v in (names or {}).items() if v}
    row = {k: names.get(k) for k in ("first_name", "last_name", "email", "lms_user_id")}
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO student (id, first_name, last_name, email, lms_user_id) "
            "VALUES (?, ?, ?, ?, ?)",
            (student, *row.values()),
        )
        conn.execute(
            "UPDATE submitted_assignment SET student_id = ? WHERE student_id = ?",
            (student, PLACEHOLDER),
        )
        if timestamp:
            store = sqlite.DATETIME().bind_processor(sqlite.dialect())
            conn.execute(
                "UPDATE submitted_assignment SET timestamp = ? WHERE student_id = ?",
                (store(parse_utc(timestamp)), student),
            )
        conn.execute("DELETE FROM student WHERE id = ?", (PLACEHOLDER,))
    conn.close()


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


def read_submission(
    db: Path, lab: str, student: str, course_id: str = COURSE_ID
) -> SubmissionGrades:
    """The grades, comments and student details of one submission in a gradebook.

    Plain SQL over nbgrader's schema, one query per table: nbgrader's ORM loads every grade, its
    cell and every comment lazily, one query each. `course_id` is kept for the callers' sake: a
    gradebook holds one course. The values are those of nbgrader's `Grade` (its `max_score` is
    the grade or task cell's), `Comment` and `SubmittedNotebook`; a test compares the two.
    """
    from nbgrader.api import MissingEntry

    with sqlite3.connect(db) as conn:
        head = conn.execute(_SUBMISSION_SQL, (lab, student)).fetchone()
        sub_id = head[0] if head else None
        notebooks = conn.execute(_NOTEBOOKS_SQL, (sub_id,)).fetchall()
        grades = conn.execute(_GRADES_SQL, (sub_id,)).fetchall()
        comments = conn.execute(_COMMENTS_SQL, (sub_id,)).fetchall()
    conn.close()
    if head is None:
        raise MissingEntry(f"no submission of {lab} by {student} in {db}")
    _, stamp, first, last, email, lms = head
    out = SubmissionGrades(student, first, last, email, lms, _datetime(stamp))
    for name, penalty in notebooks:
        out.grades[name], out.comments[name] = {}, {}
        out.late_penalty[name] = penalty
    for nb, cell, auto, manual, max_score, needs in grades:
        out.grades[nb][cell] = CellGrade(auto, manual, float(max_score), bool(needs))
    for nb, cell, comment in comments:
        out.comments[nb][cell] = comment
    return out


_SUBMISSION_SQL = """
SELECT sa.id, sa.timestamp, s.first_name, s.last_name, s.email, s.lms_user_id
FROM submitted_assignment sa JOIN assignment a ON sa.assignment_id = a.id
JOIN student s ON sa.student_id = s.id WHERE a.name = ? AND sa.student_id = ?"""
_NOTEBOOKS_SQL = """
SELECT nb.name, snb.late_submission_penalty FROM submitted_notebook snb
JOIN notebook nb ON snb.notebook_id = nb.id WHERE snb.assignment_id = ? ORDER BY snb.rowid"""
_GRADES_SQL = """
SELECT nb.name, bc.name, g.auto_score, g.manual_score, COALESCE(gc.max_score, tc.max_score),
       g.needs_manual_grade
FROM grade g JOIN submitted_notebook snb ON g.notebook_id = snb.id
JOIN notebook nb ON snb.notebook_id = nb.id JOIN base_cell bc ON g.cell_id = bc.id
LEFT JOIN grade_cells gc ON gc.id = g.cell_id LEFT JOIN task_cells tc ON tc.id = g.cell_id
WHERE snb.assignment_id = ? ORDER BY snb.rowid, g.rowid"""
_COMMENTS_SQL = """
SELECT nb.name, bc.name, c.auto_comment
FROM comment c JOIN submitted_notebook snb ON c.notebook_id = snb.id
JOIN notebook nb ON snb.notebook_id = nb.id JOIN base_cell bc ON c.cell_id = bc.id
WHERE snb.assignment_id = ? ORDER BY snb.rowid, c.rowid"""


def _datetime(stored: str | None):
    """A DATETIME column's value as SQLAlchemy's sqlite type returns it."""
    from sqlalchemy.dialects import sqlite

    return sqlite.DATETIME().result_processor(sqlite.dialect(), None)(stored)


def merge(course_db: Path, lab: str, submissions: list[Path], course_id: str = COURSE_ID) -> int:
    """Write every per-submission gradebook into the course gradebook, in one transaction.

    Manual scores a grader already gave in the course gradebook are kept (and the cell is
    flagged for review), exactly as `nbgrader autograde` does when it regrades.
    """
    speed_up_nbgrader()
    incoming = _read_all(submissions, lab, course_id)
    with open_gradebook(course_db, course_id) as gb:
        session = gb.db
        try:
            assignment = gb.find_assignment(lab)
            structure = assignment_cells(assignment)
            cell_names = {
                cell.id: cell.name
                for _, cells in structure
                for cell in cells["grade"] + cells["solution"] + cells["task"]
            }
            for sub_in in incoming:
                sub = _submission_row(session, assignment, structure, sub_in)
                sub.timestamp = sub_in.timestamp
                for snb in sub.notebooks:
                    _write_notebook(snb, sub_in, cell_names)
            session.commit()
        except Exception:
            session.rollback()
            raise
    return len(incoming)


def _read_all(submissions: list[Path], lab: str, course_id: str) -> list[SubmissionGrades]:
    """Every per-submission gradebook's one submission (each must hold exactly one student)."""
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
    return incoming


def _submission_row(session, assignment, structure, sub_in: SubmissionGrades):
    """The course gradebook's row for this submission, created (with its student) if new."""
    from nbgrader.api import Student, SubmittedAssignment

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
    if sub is None:
        sub = add_submission(session, assignment, student, structure)
    return sub


def _write_notebook(snb, sub_in: SubmissionGrades, cell_names: dict) -> None:
    """One submitted notebook's scores, comments and late penalty, from the incoming grades."""
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


def remove_submissions(db: Path, lab: str, students: list[str], course_id: str = COURSE_ID) -> None:
    """Delete the submissions of `students` to `lab` (nbgrader's own removal: grades, comments
    and notebooks go with them; the students stay, as nbgrader keeps them)."""
    if not students or not db.exists():
        return
    from nbgrader.api import MissingEntry

    with open_gradebook(db, course_id) as gb:
        for student in students:
            try:
                gb.remove_submission(lab, student)
            except MissingEntry:
                continue


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
                scores[(student, notebook, cell)] = g.score
    return scores


def integrity_errors(db: Path) -> list[str]:
    """SQLite's own integrity check plus foreign keys: an empty list means intact."""
    with sqlite3.connect(db) as conn:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
        problems += [str(row) for row in conn.execute("PRAGMA foreign_key_check")]
    conn.close()
    return problems
