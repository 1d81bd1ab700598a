"""A submission whose folder is gone when the lab is graded again is withdrawn, not kept."""

from __future__ import annotations

import csv
import json
import shutil

import nbformat
import pytest

from mlops_course.grading import gradebook, run
from mlops_course.grading.lab import solved

from .conftest import GRADING_TEST_LIMITS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Object of type .* not in session"),
]


def _grades_csv_students(out) -> list[str]:
    with (out / "reports" / "00-start-here" / "grades.csv").open(encoding="utf-8") as fh:
        return [row[0] for row in list(csv.reader(fh))[1:]]


def test_regrading_after_a_folder_was_removed_drops_that_student_everywhere(warmup_lab, tmp_path):
    release = nbformat.read(warmup_lab.release_path("warmup"), as_version=4)
    correct = solved(release, warmup_lab.source("warmup"))
    folder, out = tmp_path / "cohort", tmp_path / "out"
    for student in ("ada", "bo"):
        (folder / student).mkdir(parents=True)
        nbformat.write(correct, folder / student / "warmup.ipynb")
    options = run.Options(out=out, jobs=1, progress=False, **GRADING_TEST_LIMITS)
    first = run.grade(warmup_lab, folder, options)
    assert first.summaries["bo"]["score"] == 5 and _grades_csv_students(out) == ["ada", "bo"]

    # Another folder graded into the same place withdraws nobody.
    other = tmp_path / "late"
    (other / "cy").mkdir(parents=True)
    nbformat.write(release, other / "cy" / "warmup.ipynb")
    assert run.grade(warmup_lab, other, options).withdrawn == []

    shutil.rmtree(folder / "bo")
    again = run.grade(warmup_lab, folder, options)
    assert again.withdrawn == ["bo"]
    assert "bo" not in again.summaries and "bo" not in _grades_csv_students(out)
    for export in ("canvas.csv", "moodle.csv"):
        assert "bo" not in (out / "reports" / "00-start-here" / export).read_text()
    assert "bo" not in json.loads((out / "reports" / "00-start-here" / "status.json").read_text())
    assert "bo" not in gradebook.students_with_submissions(out / "gradebook.db", "00-start-here")
    assert gradebook.integrity_errors(out / "gradebook.db") == []
    assert not (out / "feedback" / "bo" / "00-start-here").exists()
    assert not (out / "autograded" / "bo" / "00-start-here").exists()
    assert set(again.summaries) == {"ada", "cy"}  # the others keep their grades
