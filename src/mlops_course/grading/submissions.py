"""Collecting a cohort's submissions from a folder, whatever shape it arrives in.

Accepted layouts (one folder per student; the folder name is the student id):
    <dir>/<student>/<notebook>.ipynb                   what an LMS zip usually unpacks to
    <dir>/<student>/<lab>/<notebook>.ipynb             nbgrader's submitted/ folder itself
    <dir>/submitted/<student>/<lab>/<notebook>.ipynb   an nbgrader course folder
Other files in a student's folder travel with the notebook (nbgrader does the same), and a
`timestamp.txt` there is the submission time, as nbgrader reads it.

Names come from a roster when there is one (`--roster`, or `roster.csv` / `students.csv` in the
cohort folder; columns `id, first_name, last_name, email, lms_user_id, section`, nbgrader's
student import format plus a section), else from the `NAME = "..."` line of the notebook, else
the id alone. A name written "Last, First" is split at the comma, otherwise at the last space.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from mlops_course.grading import GradingError

MAX_FILE_BYTES = 20 * 1024 * 1024
SKIP = {".ipynb_checkpoints", "__pycache__", ".git", ".DS_Store"}
ROSTER_NAMES = ("roster.csv", "students.csv")


class SubmissionsError(GradingError, ValueError):
    """The submissions folder cannot be read (the message says what was expected)."""


@dataclass
class Submission:
    """One student's submission of one lab, self-contained so it can travel to any worker."""

    student: str
    files: dict[str, bytes]
    origin: str
    timestamp: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    lms_user_id: str | None = None
    section: str | None = None
    skipped: list[str] = field(default_factory=list)  # files left out (too big)

    @property
    def digest(self) -> str:
        """SHA-256 over every file name and content: a rerun regrades only what changed."""
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        h.update((self.timestamp or "").encode())
        return h.hexdigest()

    @property
    def display_name(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p]
        return " ".join(parts) if parts else self.student

    @property
    def sortable_name(self) -> str:
        """'Last, First' as LMS exports show students."""
        if self.last_name and self.first_name:
            return f"{self.last_name}, {self.first_name}"
        return self.display_name

    def names(self) -> dict[str, str | None]:
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "lms_user_id": self.lms_user_id,
        }


def split_name(full: str) -> tuple[str | None, str | None]:
    """('First', 'Last') from "Last, First" or "First Middle Last"."""
    full = " ".join(full.split())
    if not full:
        return None, None
    if "," in full:
        last, first = (part.strip() for part in full.split(",", 1))
        return first or None, last or None
    if " " in full:
        first, last = full.rsplit(" ", 1)
        return first, last
    return full, None


def name_in_notebook(raw: bytes) -> str | None:
    """The string assigned to NAME in a notebook's code cells, if the notebook can be read."""
    try:
        nb = json.loads(raw.decode("utf-8"))
        cells = nb.get("cells", [])
    except (ValueError, UnicodeDecodeError, AttributeError):
        return None
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "NAME" for t in node.targets)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
                and node.value.value.strip()
            ):
                return node.value.value.strip()
    return None


def read_roster(path: Path) -> dict[str, dict[str, str]]:
    """Student id -> roster fields, from a CSV with at least an `id` column."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    if rows and "id" not in rows[0]:
        raise SubmissionsError(
            f"{path}: the roster needs an `id` column (the student's folder name); it has "
            f"{', '.join(rows[0])}."
        )
    return {
        row["id"].strip(): {k: (v or "").strip() for k, v in row.items() if k}
        for row in rows
        if row.get("id")
    }


def _student_folders(root: Path, lab: str) -> list[Path]:
    if (root / "submitted").is_dir():
        root = root / "submitted"
    return (
        sorted(
            p
            for p in root.iterdir()
            if p.is_dir()
            and not p.name.startswith(".")
            and p.name not in SKIP
            and p.name != "submitted"
        )
        if root.is_dir()
        else []
    )


def _lab_folder(student_dir: Path, lab: str) -> Path:
    nested = student_dir / lab
    return nested if nested.is_dir() else student_dir


def collect(
    root: Path, lab: str, notebooks: list[str], roster: Path | None = None
) -> list[Submission]:
    """Every student's submission of `lab` under `root`, sorted by student id."""
    root = Path(root)
    if not root.is_dir():
        raise SubmissionsError(f"{root} is not a folder of submissions (one folder per student).")
    if roster is None:
        roster = next((root / n for n in ROSTER_NAMES if (root / n).is_file()), None)
    people = read_roster(roster) if roster else {}
    found = []
    for student_dir in _student_folders(root, lab):
        folder = _lab_folder(student_dir, lab)
        files, skipped = {}, []
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_dir() or set(rel.parts) & SKIP or path.is_symlink():
                continue
            if path.stat().st_size > MAX_FILE_BYTES:
                skipped.append(rel.as_posix())
                continue
            files[rel.as_posix()] = path.read_bytes()
        timestamp = files.pop("timestamp.txt", b"").decode("utf-8", "replace").strip() or None
        sub = Submission(student_dir.name, files, str(folder), timestamp, skipped=skipped)
        person = people.get(sub.student, {})
        if person:
            sub.first_name = person.get("first_name") or None
            sub.last_name = person.get("last_name") or None
            sub.email = person.get("email") or None
            sub.lms_user_id = person.get("lms_user_id") or None
            sub.section = person.get("section") or None
        if not (sub.first_name or sub.last_name):
            for nb in notebooks:
                name = name_in_notebook(files.get(f"{nb}.ipynb", b""))
                if name:
                    sub.first_name, sub.last_name = split_name(name)
                    break
        found.append(sub)
    return found
