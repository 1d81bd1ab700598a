"""`mlops-course check`: students' self-check (the grader on the visible tests) says what fails and
why, and exits non-zero when anything does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from mlops_course.cli import main
from mlops_course.grading.lab import answers, solved, with_sources

pytestmark = [
    pytest.mark.slow,
    # nbgrader's add_submission trips a SQLAlchemy 2 warning; its rows are written all the same
    pytest.mark.filterwarnings("ignore:Object of type .* not in session"),
]


def _write(nb, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_check_passes_a_correct_notebook_with_exit_code_0(warmup_lab, tmp_path, capsys):
    release = nbformat.read(warmup_lab.release_path("warmup"), as_version=4)
    path = _write(solved(release, warmup_lab.source("warmup")), tmp_path / "warmup.ipynb")
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "All 3 visible tests pass." in out


def test_check_names_each_failing_question_and_why_where_nbgrader_validate_exits_0(
    warmup_lab, tmp_path, capsys
):
    release = nbformat.read(warmup_lab.release_path("warmup"), as_version=4)
    source = warmup_lab.source("warmup")
    mutant = next(m for m in warmup_lab.mutants() if m.name == "q2_groups_by_year_code")
    first_only = {"q1_answer": answers(source)["q1_answer"], **mutant.replacements}
    path = _write(with_sources(release, first_only), tmp_path / "warmup.ipynb")

    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "pass  Question 1 (1 point): how many hours have no weather situation?" in out
    assert "FAIL  Question 2 (2 points): mean rentals per hour, by year [q2_test" in out
    assert "expected the index [2011, 2012], got [0, 1]" in out
    assert "FAIL  Question 3 (2 points)" in out
    assert "not answered yet" in out
    assert "2 problems to fix" in out

    # The same verdict as nbgrader's Validate (two failing cells), which still exits 0.
    bindir = str(Path(sys.executable).parent)
    done = subprocess.run(
        [os.path.join(bindir, "nbgrader"), "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PATH": bindir + os.pathsep + os.environ["PATH"]},
    )
    assert done.returncode == 0
    assert "VALIDATION FAILED ON 2 CELL(S)" in done.stdout.replace("\n", " ")


def test_check_says_when_a_test_cell_was_edited(warmup_lab, tmp_path, capsys):
    release = nbformat.read(warmup_lab.release_path("warmup"), as_version=4)
    weakened = with_sources(solved(release, warmup_lab.source("warmup")), {"q3_test": "pass"})
    path = _write(weakened, tmp_path / "warmup.ipynb")
    assert main(["check", str(path)]) == 1
    assert "the test or locked cell q3_test was changed" in capsys.readouterr().out


def test_check_explains_a_missing_file(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.ipynb")]) == 1
    assert "does not exist" in capsys.readouterr().out
