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

import shutil
import sqlite3
import tempfile
import warnings
from pathlib import Path

from mlops_course.grading import config
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


class GradebookError(RuntimeError):
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
