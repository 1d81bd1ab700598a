"""The grading engine on the warm-up lab's synthetic cohort: statuses, scores, safety, outputs."""

from __future__ import annotations

import csv
import gc
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import psutil
import pytest

from mlops_course import settings
from mlops_course.grading import gradebook, release, run
from mlops_course.grading.engine import Status
from mlops_course.grading.lab import grade_id, hidden_lines, is_test
from mlops_course.grading.sandbox import FIRST_KERNEL_UID

from .conftest import GRADING_TEST_LIMITS

pytestmark = [
    pytest.mark.slow,
    # nbgrader's add_submission trips a SQLAlchemy 2 warning; its rows are written all the same
    pytest.mark.filterwarnings("ignore:Object of type .* not in session"),
]


def _answer_output(cohort, student: str) -> str:
    path = cohort["out"] / "autograded" / student / "00-start-here" / "warmup.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if grade_id(c) == "q1_answer")
    return "".join(o.get("text", "") + o.get("evalue", "") for o in cell.outputs)


def test_every_member_gets_its_expected_status_and_score(graded_cohort):
    outcomes = graded_cohort["result"].outcomes
    wrong = []
    for student, expected in graded_cohort["manifest"].items():
        got = outcomes[student]
        full = got.max_score
        want = {"full": full, "zero": 0.0}.get(expected["expect"], expected["score"])
        score_ok = got.score < full if expected["expect"] == "less than full" else got.score == want
        if got.status.value != expected["status"] or not score_ok:
            wrong.append(
                f"{student} ({expected['kind']}): expected {expected['status']} and "
                f"{expected['expect']} {want if want is not None else ''}, got "
                f"{got.status.value} and {got.score:g} ({got.reason})"
            )
    assert not wrong, "\n".join(wrong)
    assert len(outcomes) == len(graded_cohort["manifest"])


def test_every_submission_ends_with_one_status_and_a_reason(graded_cohort):
    summaries = graded_cohort["result"].summaries
    assert set(summaries) == set(graded_cohort["manifest"])
    for student, summary in summaries.items():
        assert summary["status"] in {s.value for s in Status}, student
        assert summary["reason"].strip(), f"{student} has no reason"


def test_the_gradebook_is_intact_and_nbgrader_still_reads_it(graded_cohort):
    out = graded_cohort["out"]
    db = out / "gradebook.db"
    assert gradebook.integrity_errors(db) == []
    scores = gradebook.course_scores(db, "00-start-here")
    assert set(scores) == set(graded_cohort["manifest"])
    exported = out / "export.csv"
    done = subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), "export", "--to", str(exported)],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
        },
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with exported.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(graded_cohort["manifest"])
    # nbgrader's export joins fields with commas without quoting them: an id such as "kim,lee"
    # comes out split. That is why the course writes its own CSVs (tested below).
    by_student = {r["student_id"]: float(r["score"]) for r in rows}
    for student, outcome in graded_cohort["result"].outcomes.items():
        if "," not in student:
            assert by_student[student] == outcome.score, student


def test_hostile_submissions_stay_inside_the_sandbox(graded_cohort):
    for escaped in (
        settings.REPO_ROOT / "datasets" / "escaped.txt",
        settings.REPO_ROOT / "escaped.txt",
        Path("/escaped.txt"),
    ):
        assert not escaped.exists(), f"a submission wrote {escaped}"
    assert "blocked" in _answer_output(graded_cohort, "writes-outside")
    assert "wrote" not in _answer_output(graded_cohort, "writes-outside")
    assert "temporary files work" in _answer_output(graded_cohort, "writes-outside")
    assert "other notebooks found: 0" in _answer_output(graded_cohort, "reads-others")
    assert "network blocked" in _answer_output(graded_cohort, "tries-network")
    fork = graded_cohort["result"].outcomes["fork-bomb"]
    assert any("process limit" in note for note in fork.notes), fork.notes
    flood = graded_cohort["result"].outcomes["floods-stdout"]
    assert any("was cut" in note for note in flood.notes), flood.notes
    graded = graded_cohort["out"] / "autograded" / "floods-stdout" / "00-start-here"
    assert (graded / "warmup.ipynb").stat().st_size < 3_000_000
    # Every kernel ran as a uid of its worker's own; once the run is over none of them is left.
    uids = {
        int(u)
        for o in graded_cohort["result"].outcomes.values()
        for u in re.findall(r"kernels as uid (\d+)", o.sandbox)
    }
    assert all(u >= FIRST_KERNEL_UID for u in uids)
    leftovers = [
        p.info
        for p in psutil.process_iter(["pid", "uids", "name"])
        if p.info["uids"] and p.info["uids"].real in uids
    ]
    assert not leftovers, f"processes of student kernels still running: {leftovers}"


def test_lms_csvs_parse_back_with_names_intact(graded_cohort):
    reports = graded_cohort["out"] / "reports" / "00-start-here"
    with (reports / "grades.csv").open(newline="", encoding="utf-8") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert set(rows) == set(graded_cohort["manifest"])
    assert rows["o'brien"]["first_name"] == 'Seán "Shay"'
    assert rows["kim,lee"]["last_name"] == "Kim, Jr."
    assert rows["zoë.núñez"]["last_name"] == "Núñez"
    assert rows["correct"]["first_name"] == "Ada"  # from NAME in the notebook
    for student, row in rows.items():
        outcome = graded_cohort["result"].outcomes[student]
        questions = ["00-start-here q1_test", "00-start-here q2_test", "00-start-here q3_test"]
        assert sum(float(row[q]) for q in questions) == float(row["total"]) == outcome.score

    with (reports / "canvas.csv").open(newline="", encoding="utf-8") as fh:
        canvas = list(csv.reader(fh))
    header, possible, *students = canvas
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert possible[0].strip() == "Points Possible" and possible[-1] == "5"
    names = {row[2]: row[0] for row in students}
    assert names["kim,lee"] == "Kim, Jr., Lee"
    assert names["o'brien"] == 'O\'Brien, Seán "Shay"'
    assert {row[2]: row[4] for row in students}["kim,lee"] == "Section A, Tuesday"

    with (reports / "moodle.csv").open(newline="", encoding="utf-8") as fh:
        moodle = {r["ID number"]: r for r in csv.DictReader(fh)}
    assert moodle["zoë.núñez"]["First name"] == "Zoë"
    assert moodle["os-exit"]["Feedback"].startswith("crashed kernel: ")
    raw = (reports / "canvas.csv").read_text(encoding="utf-8")
    assert '"O\'Brien, Seán ""Shay"""' in raw  # quotes doubled inside a quoted field


def test_feedback_never_shows_hidden_test_source(graded_cohort, warmup_lab):
    source = warmup_lab.source("warmup")
    hidden = [
        line.strip()
        for cell in source.cells
        if is_test(cell)
        for line in hidden_lines(cell.source)
        if len(line.strip()) > 12
    ]
    assert hidden
    pages = sorted((graded_cohort["out"] / "feedback").rglob("*.html"))
    assert len(pages) == len(graded_cohort["manifest"])
    for page in pages:
        text = page.read_text(encoding="utf-8")
        import html

        unescaped = html.unescape(text)
        leaked = [line for line in hidden if line in unescaped or html.escape(line) in text]
        assert not leaked, f"{page} shows hidden test source: {leaked[:2]}"
    graded = (
        graded_cohort["out"] / "autograded" / "correct" / "00-start-here" / "warmup.ipynb"
    ).read_text()
    assert "BEGIN HIDDEN TESTS" in graded  # the instructor's copy keeps them
    page = (
        graded_cohort["out"]
        / "feedback"
        / "mutant-q2_groups_by_year_code"
        / "00-start-here"
        / "warmup.html"
    ).read_text(encoding="utf-8")
    assert "Hidden tests ran here" in page
    assert "expected the index [2011, 2012], got [0, 1]" in page


def test_grade_report_shows_four_plots_and_every_student(graded_cohort):
    report = (graded_cohort["out"] / "reports" / "00-start-here" / "report.html").read_text(
        encoding="utf-8"
    )
    assert report.count('src="data:image/png;base64,') == 4
    for title in (
        "Score distribution",
        "Per-question difficulty",
        "Status counts",
        "Time per submission",
    ):
        assert title in report
    import html

    for student in graded_cohort["manifest"]:
        assert html.escape(student) in report


def test_a_rerun_skips_what_is_graded_and_regrades_a_changed_submission(graded_cohort, tmp_path):
    cohort, lab = graded_cohort, graded_cohort["lab"]
    out = tmp_path / "grading"  # a copy: the other tests keep the cohort's gradebook as graded
    shutil.copytree(cohort["out"], out)
    options = run.Options(
        out=out,
        jobs=1,
        progress=False,
        reports=False,
        **GRADING_TEST_LIMITS,
    )
    again = run.grade(lab, cohort["folder"], options)
    assert again.outcomes == {}
    assert sorted(again.skipped) == sorted(cohort["manifest"])

    # Only the one folder that changed is graded again; --force regrades it regardless.
    small = tmp_path / "one"
    (small / "blank").mkdir(parents=True)
    correct = cohort["folder"] / "correct" / "warmup.ipynb"
    (small / "blank" / "warmup.ipynb").write_bytes(correct.read_bytes())
    before = gradebook.course_scores(out / "gradebook.db", lab.name)["blank"].score()
    changed = run.grade(lab, small, options)
    assert set(changed.outcomes) == {"blank"}
    after = gradebook.course_scores(out / "gradebook.db", lab.name)["blank"].score()
    assert (before, after) == (0.0, 5.0)
    forced = run.grade(lab, small, run.Options(**{**options.__dict__, "force": True}))
    assert set(forced.outcomes) == {"blank"}
    # A run freezes what the process holds while it lasts; the caller gets a collector as before.
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_merge_is_all_or_nothing(tmp_path, warmup_lab, monkeypatch):
    generated = release.generate(warmup_lab, tmp_path / "gen")
    course = tmp_path / "course.db"
    course.write_bytes(generated.gradebook.read_bytes())
    dbs = []
    for student in ("first", "second"):
        db = tmp_path / f"{student}.db"
        db.write_bytes(generated.gradebook.read_bytes())
        gradebook.start_submission(db, warmup_lab.name, student)
        dbs.append(db)
    real = gradebook.read_submission

    def broken(db, lab, student, course_id=gradebook.COURSE_ID):
        got = real(db, lab, student, course_id)
        if student == "second":
            got.timestamp = "not a time"  # fails when the transaction is written
        return got

    monkeypatch.setattr(gradebook, "read_submission", broken)
    with pytest.raises(Exception):  # noqa: B017 - any database error will do
        gradebook.merge(course, warmup_lab.name, dbs)
    monkeypatch.setattr(gradebook, "read_submission", real)
    assert gradebook.course_scores(course, warmup_lab.name) == {}
    assert gradebook.integrity_errors(course) == []


def test_without_the_sandbox_limits_still_apply_and_the_report_says_so(warmup_lab, tmp_path):
    from mlops_course.grading import cohort

    everyone = cohort.write(warmup_lab, tmp_path / "all")
    folder = tmp_path / "two"
    folder.mkdir()
    for student in ("correct", "memory-hog"):
        (everyone / student).rename(folder / student)
    result = run.grade(
        warmup_lab,
        folder,
        run.Options(
            out=tmp_path / "out", jobs=1, progress=False, sandbox="off", **GRADING_TEST_LIMITS
        ),
    )
    got = {s: (o.status.value, o.score) for s, o in result.outcomes.items()}
    assert got == {"correct": ("graded", 5.0), "memory-hog": ("memory limit", 5.0)}
    assert result.sandbox.startswith("off: it was turned off")
    report = (tmp_path / "out" / "reports" / warmup_lab.name / "report.html").read_text()
    assert '<p class="warn">Sandbox off: it was turned off' in report
