"""The grading modules one at a time, without running any notebook (fast)."""

from __future__ import annotations

import csv
import json
import os

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from mlops_course.grading import feedback, reports, sandbox, submissions
from mlops_course.grading.lab import (
    LabError,
    LabSettings,
    VariantError,
    answers,
    defined_names,
    find_labs,
    load_alternative,
    load_mutant,
    referenced_names,
    solved,
)


def test_the_warm_up_lab_is_found_with_its_notebook_and_mutants(warmup_lab):
    assert warmup_lab in find_labs()
    assert warmup_lab.notebooks == ["warmup"]
    mutants = warmup_lab.mutants()
    assert len(mutants) >= 3
    assert all(m.doc and m.replacements for m in mutants)
    assert warmup_lab.alternatives()
    assert warmup_lab.extra_files() == {}  # mutants and alternatives never go to a submission


def test_lab_settings_default_and_refuse_an_unknown_network_policy():
    nb = new_notebook(metadata={"mlops_course": {"budget_seconds": 30}})
    settings = LabSettings.from_notebook(nb)
    assert (settings.budget_seconds, settings.grading_seconds, settings.network) == (30, 90, "none")
    nb.metadata["mlops_course"]["network"] = "internet"
    with pytest.raises(LabError, match="network is 'internet'"):
        LabSettings.from_notebook(nb, "lab/x.ipynb")


SOLVED = {"q2_answer": 'def f(frame):\n    return frame.groupby("year")["cnt"].mean()'}


def test_a_mutant_is_read_without_being_run(tmp_path):
    good = tmp_path / "forgets_the_year.py"
    good.write_text(
        '"""Sums."""\n\nEDITS = {"q2_answer": [(".mean()", ".sum()")]}\nLOSES = ["q2_test"]\n'
    )
    mutant = load_mutant(good, SOLVED)
    assert (mutant.name, mutant.doc, mutant.loses) == ("forgets_the_year", "Sums.", ("q2_test",))
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text('"""Runs code."""\nEDITS = dict(q2_answer=open("/etc/passwd").read())\n')
    with pytest.raises(LabError, match="must be a literal"):
        load_mutant(sneaky, SOLVED)
    undocumented = tmp_path / "undocumented.py"
    undocumented.write_text('EDITS = {"q2_answer": [(".mean()", ".sum()")]}\n')
    with pytest.raises(LabError, match="docstring"):
        load_mutant(undocumented, SOLVED)


def test_a_mutant_applies_its_edits_in_order_to_the_solution(tmp_path):
    path = tmp_path / "counts.py"
    path.write_text(
        '"""Counts."""\nEDITS = {"q2_answer": [(".mean()", ".sum()"), (".sum()", ".count()")]}\n'
    )
    assert load_mutant(path, SOLVED).replacements == {
        "q2_answer": 'def f(frame):\n    return frame.groupby("year")["cnt"].count()'
    }


def test_a_mutant_whose_old_text_is_gone_fails_to_load_naming_the_file(tmp_path):
    path = tmp_path / "stale.py"
    path.write_text('"""Stale."""\nEDITS = {"q2_answer": [(".median()", ".sum()")]}\n')
    with pytest.raises(VariantError) as caught:
        load_mutant(path, SOLVED)
    message = str(caught.value)
    assert str(path) in message and "q2_answer" in message and "'.median()'" in message
    assert "is not in the solution's answer" in message


def test_an_ambiguous_edit_fails_to_load(tmp_path):
    path = tmp_path / "vague.py"
    path.write_text('"""Vague."""\nEDITS = {"q2_answer": [("frame", "df")]}\n')
    with pytest.raises(VariantError, match=r"q2_answer, edit 1: the text 'frame' occurs 2 times"):
        load_mutant(path, SOLVED)


def test_an_edit_of_a_cell_that_is_not_an_answer_fails_to_load(tmp_path):
    path = tmp_path / "typo.py"
    path.write_text('"""Typo."""\nEDITS = {"q9_answer": [("a", "b")]}\n')
    with pytest.raises(VariantError, match="names cell 'q9_answer'"):
        load_mutant(path, SOLVED)


def test_a_whole_replacement_that_copies_the_solution_is_refused(tmp_path):
    solved = {"q2_answer": 'def f(frame):\n    """Means."""\n    by_year = frame.groupby("year")'
              '\n    return by_year["cnt"].mean()'}
    copied = tmp_path / "copied.py"
    copied.write_text(
        '"""Sums."""\nREPLACEMENTS = {"q2_answer": '
        + repr(solved["q2_answer"].replace(".mean()", ".sum()"))
        + "}\n"
    )
    with pytest.raises(VariantError, match="REPLACEMENTS copies the solution .4 lines where"):
        load_mutant(copied, solved)
    different = tmp_path / "different.py"
    different.write_text('"""Gives up."""\nREPLACEMENTS = {"q2_answer": "f = None"}\n')
    assert load_mutant(different, solved).replacements == {"q2_answer": "f = None"}


def test_an_alternative_may_not_list_cells_it_loses(tmp_path):
    path = tmp_path / "other_way.py"
    path.write_text(
        '"""Right."""\nEDITS = {"q2_answer": [(".mean()", ".agg(\'mean\')")]}\n'
        'LOSES = ["q2_test"]\n'
    )
    with pytest.raises(VariantError, match="an alternative is a correct answer"):
        load_alternative(path, SOLVED)


def test_every_shipped_mutant_and_alternative_loads_against_its_solution():
    for lab in find_labs():
        assert all(m.doc and m.replacements for m in lab.mutants() + lab.alternatives())


def test_names_defined_by_an_answer_and_used_by_a_test():
    answer = "def f(frame):\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\nLIMIT = 3"
    assert defined_names(answer) == {"f", "LIMIT"}
    assert "f" in referenced_names("got = f(bikes)\nassert got == 1")


def test_a_solved_release_holds_the_solution_without_markers(warmup_lab):
    release = nbformat.read(warmup_lab.release_path("warmup"), as_version=4)
    done = solved(release, warmup_lab.source("warmup"))
    text = nbformat.writes(done)
    assert "BEGIN SOLUTION" not in text
    assert not any(
        "raise NotImplementedError" in c.source for c in done.cells if c.cell_type == "code"
    )
    by_id = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id"): c for c in done.cells}
    assert by_id["q1_answer"].source == answers(warmup_lab.source("warmup"))["q1_answer"]


def _notebook_bytes(name: str = "") -> bytes:
    cells = [new_code_cell(f'NAME = "{name}"')] if name else []
    return nbformat.writes(new_notebook(cells=cells)).encode()


def test_submissions_are_collected_from_every_supported_layout(tmp_path):
    flat = tmp_path / "flat"
    (flat / "ann").mkdir(parents=True)
    (flat / "ann" / "warmup.ipynb").write_bytes(_notebook_bytes("Ann Lee"))
    (flat / "bo" / "00-start-here").mkdir(parents=True)
    (flat / "bo" / "00-start-here" / "warmup.ipynb").write_bytes(_notebook_bytes("Moreau, Bo"))
    (flat / "bo" / "00-start-here" / "timestamp.txt").write_text("2026-01-01 10:00:00 UTC")
    (flat / "bo" / "00-start-here" / "data.csv").write_text("a,b\n")
    found = {s.student: s for s in submissions.collect(flat, "00-start-here", ["warmup"])}
    assert set(found) == {"ann", "bo"}
    assert (found["ann"].first_name, found["ann"].last_name) == ("Ann", "Lee")
    assert (found["bo"].first_name, found["bo"].last_name) == ("Bo", "Moreau")
    assert found["bo"].timestamp == "2026-01-01 10:00:00 UTC"
    assert set(found["bo"].files) == {"warmup.ipynb", "data.csv"}

    course = tmp_path / "course"
    (course / "submitted" / "cy" / "00-start-here").mkdir(parents=True)
    (course / "submitted" / "cy" / "00-start-here" / "warmup.ipynb").write_bytes(_notebook_bytes())
    (course / "roster.csv").write_text('id,first_name,last_name\ncy,Cy,"Dubois, Jr."\n')
    [cy] = submissions.collect(course, "00-start-here", ["warmup"])
    assert (cy.student, cy.first_name, cy.last_name) == ("cy", "Cy", "Dubois, Jr.")
    assert cy.sortable_name == "Dubois, Jr., Cy"


def test_a_changed_file_changes_the_digest(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "warmup.ipynb").write_bytes(_notebook_bytes())
    [before] = submissions.collect(tmp_path, "lab", ["warmup"])
    (tmp_path / "a" / "warmup.ipynb").write_bytes(_notebook_bytes("X Y"))
    [after] = submissions.collect(tmp_path, "lab", ["warmup"])
    assert before.digest != after.digest


def test_feedback_masks_hidden_tests_and_drops_tracebacks():
    test = new_code_cell(
        "assert f(1) == 1, 'visible'\n### BEGIN HIDDEN TESTS\nassert f(2) == 99, 'secret'\n"
        "### END HIDDEN TESTS",
        metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 1}},
    )
    test.outputs = [
        new_output(
            "error",
            ename="AssertionError",
            evalue="expected 4",
            traceback=["assert f(2) == 99, 'secret'", "AssertionError"],
        )
    ]
    safe = feedback.without_hidden_source(new_notebook(cells=[test]))
    shown = json.dumps(safe)
    assert "99" not in shown and "secret" not in shown
    assert "visible" in shown and feedback.HIDDEN_NOTE in shown
    assert safe.cells[0].outputs[0].traceback == ["AssertionError: expected 4"]


def _report() -> reports.Report:
    questions = [
        reports.Question("nb/q1", "nb", "q1", 1.0),
        reports.Question("nb/q2", "nb", "q2", 2),
    ]
    rows = [
        reports.Row(
            "o'neil",
            'Seán "Shay"',
            "O'Neil, Jr.",
            "s@example.edu",
            "42",
            "A, Tue",
            "graded",
            "every cell ran",
            [],
            {"nb/q1": 1.0, "nb/q2": 2.0},
            3.0,
            3.0,
            1.5,
        ),
        reports.Row(
            "zoë",
            None,
            None,
            None,
            None,
            None,
            "crashed kernel",
            'the kernel exited, "code 3"',
            [],
            {},
            0.0,
            3.0,
            2.0,
        ),
    ]
    return reports.Report("lab, with a comma", questions, rows, "bubblewrap (no network)")


def test_lms_csvs_quote_names_with_commas_quotes_and_accents(tmp_path):
    files = reports.write_all(_report(), tmp_path)
    with files["grades.csv"].open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["first_name"] == 'Seán "Shay"' and rows[0]["last_name"] == "O'Neil, Jr."
    assert rows[1]["reason"] == 'the kernel exited, "code 3"'
    assert rows[0]["lab, with a comma q2"] == "2"
    with files["canvas.csv"].open(newline="", encoding="utf-8") as fh:
        canvas = list(csv.reader(fh))
    assert canvas[2][:5] == ['O\'Neil, Jr., Seán "Shay"', "42", "o'neil", "s@example.edu", "A, Tue"]
    assert canvas[1][-1] == "3"
    with files["moodle.csv"].open(newline="", encoding="utf-8") as fh:
        moodle = list(csv.DictReader(fh))
    assert moodle[1]["Feedback"] == 'crashed kernel: the kernel exited, "code 3"'
    assert moodle[1]["First name"] == "zoë"
    assert files["report.html"].read_text(encoding="utf-8").count("data:image/png") == 4


def test_the_sandbox_command_hides_private_folders_and_the_network(tmp_path):
    if not sandbox.bwrap():
        pytest.skip("bubblewrap is not installed")
    private = tmp_path / "cohort"
    private.mkdir()
    box = sandbox.Sandbox("lab", sandbox.Limits(), private=(private,))
    try:
        command = box.command()
        assert "--unshare-net" in command and "--unshare-pid" in command
        for hidden in ("solutions", "grading", ".git"):
            path = str(sandbox.settings.REPO_ROOT / hidden)
            assert command[command.index(path) - 1] == "--tmpfs"
        if os.getuid() == 0:
            assert command[command.index("--cap-drop") + 1] == "ALL"
    finally:
        box.close()
    host = sandbox.Sandbox("lab", sandbox.Limits(network="host"))
    try:
        assert "--unshare-net" not in host.command()
    finally:
        host.close()


def test_without_bubblewrap_the_sandbox_says_it_is_off(monkeypatch):
    monkeypatch.setenv("MLOPS_GRADING_SANDBOX", "off")
    box = sandbox.Sandbox("lab", sandbox.Limits())
    try:
        assert not box.enabled
        assert box.describe().startswith("off: ")
        assert box.command()[1:3] == ["-m", "mlops_course.grading.kernels"]
    finally:
        box.close()


# --- the per-submission gradebook: a template claimed per student, read back in plain SQL ----


def _rows(db, sql: str) -> list[tuple]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        rows = conn.execute(sql).fetchall()
    conn.close()
    return rows


def _orm_read(db, lab: str, student: str) -> dict:
    """What nbgrader's own ORM says about a submission (the reference for `read_submission`)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}", "mlops-course") as gb:
        sub = gb.find_submission(lab, student)
        return {
            "student": (sub.student.first_name, sub.student.last_name, sub.student.email),
            "lms": sub.student.lms_user_id,
            "timestamp": sub.timestamp,
            "grades": {
                snb.notebook.name: {
                    g.cell.name: (g.auto_score, g.manual_score, g.max_score, g.needs_manual_grade)
                    for g in snb.grades
                }
                for snb in sub.notebooks
            },
            "comments": {
                snb.notebook.name: {c.cell.name: c.auto_comment for c in snb.comments}
                for snb in sub.notebooks
            },
            "late": {snb.notebook.name: snb.late_submission_penalty for snb in sub.notebooks},
        }


def _sql_read(db, lab: str, student: str) -> dict:
    from mlops_course.grading import gradebook

    got = gradebook.read_submission(db, lab, student)
    return {
        "student": (got.first_name, got.last_name, got.email),
        "lms": got.lms_user_id,
        "timestamp": got.timestamp,
        "grades": {
            nb: {
                cell: (g.auto_score, g.manual_score, g.max_score, g.needs_manual_grade)
                for cell, g in cells.items()
            }
            for nb, cells in got.grades.items()
        },
        "comments": got.comments,
        "late": got.late_penalty,
    }


@pytest.fixture(scope="module")
def template_db(tmp_path_factory, warmup_lab) -> bytes:
    from mlops_course.grading import release

    generated = release.generate(warmup_lab, tmp_path_factory.mktemp("gen"))
    return generated.gradebook.read_bytes()


@pytest.mark.parametrize(
    ("timestamp", "names"),
    [
        ("2026-11-02 10:00:00.000000 UTC", {"first_name": "Lee", "last_name": "Kim, Jr."}),
        ("2026-11-02 12:30:05.250000 +0200", {"email": "o@example.edu", "lms_user_id": "1025"}),
        (None, {}),
    ],
)
def test_a_claimed_template_holds_what_nbgrader_records_for_a_new_submission(
    tmp_path, warmup_lab, template_db, timestamp, names
):
    from mlops_course.grading import gradebook

    lab, student = warmup_lab.name, "o'brien,s"
    theirs = tmp_path / "nbgrader.db"
    theirs.write_bytes(template_db)
    gradebook.start_submission(theirs, lab, student, timestamp=timestamp, names=names)
    ours = tmp_path / "claimed.db"
    ours.write_bytes(gradebook.submission_template(template_db, lab, tmp_path))
    gradebook.claim_submission(ours, student, timestamp=timestamp, names=names)

    for sql in (
        "SELECT * FROM student",
        "SELECT student_id, timestamp, extension FROM submitted_assignment",
        "SELECT COUNT(*) FROM grade",
        "SELECT COUNT(*) FROM comment",
        "SELECT COUNT(*) FROM submitted_notebook",
    ):
        assert _rows(ours, sql) == _rows(theirs, sql), sql
    assert _orm_read(ours, lab, student) == _orm_read(theirs, lab, student)
    assert gradebook.integrity_errors(ours) == []


def test_read_submission_agrees_with_nbgrader_orm_on_scores_comments_and_penalties(
    tmp_path, warmup_lab, template_db
):
    from nbgrader.api import Gradebook, MissingEntry

    from mlops_course.grading import gradebook

    lab, db = warmup_lab.name, tmp_path / "g.db"
    db.write_bytes(template_db)
    gradebook.start_submission(db, lab, "ada", timestamp="2026-11-02 10:00:00 UTC")
    with Gradebook(f"sqlite:///{db}", "mlops-course") as gb:  # every kind of value a grade holds
        snb = gb.find_submission_notebook("warmup", lab, "ada")
        for i, grade in enumerate(snb.grades):
            grade.auto_score = [None, 0.0, 1.5][i % 3]
            grade.manual_score = 2.0 if i == 1 else None
            grade.needs_manual_grade = i % 2 == 0
        for i, comment in enumerate(snb.comments):
            comment.auto_comment = "No response." if i % 2 else None
        snb.late_submission_penalty = 0.5
        gb.db.commit()
    assert _sql_read(db, lab, "ada") == _orm_read(db, lab, "ada")
    with pytest.raises(MissingEntry):
        gradebook.read_submission(db, lab, "nobody")


def test_inside_one_gradebook_each_opening_is_a_view_that_closes_as_a_gradebook_does(
    tmp_path, warmup_lab, template_db
):
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import latesubmissions, overwritecells

    from mlops_course.grading import gradebook
    from mlops_course.grading.nbgrader_overrides import one_gradebook, speed_up_nbgrader

    speed_up_nbgrader()
    lab, db = warmup_lab.name, tmp_path / "g.db"
    db.write_bytes(template_db)
    gradebook.start_submission(db, lab, "ada", timestamp="2026-11-02 10:00:00 UTC")
    url = f"sqlite:///{db}"

    def penalty(gb):
        return gb.find_submission_notebook("warmup", lab, "ada").late_submission_penalty

    with one_gradebook(url):
        # as nbgrader's preprocessors open theirs, one after another
        first = overwritecells.Gradebook(url)
        second = latesubmissions.Gradebook(url, "mlops-course")
        assert first.db is second.db
        assert (first.course_id, second.course_id) == ("default_course", "mlops-course")
        with first:  # changes a row and leaves without committing
            first.find_submission_notebook("warmup", lab, "ada").late_submission_penalty = 3.0
        with second:  # nothing of it is left, as after closing a gradebook
            assert penalty(second) is None
            second.find_submission_notebook("warmup", lab, "ada").late_submission_penalty = 1.0
            second.db.commit()
        elsewhere = overwritecells.Gradebook(f"sqlite:///{tmp_path / 'other.db'}")
        assert elsewhere.db is not first.db
        elsewhere.close()
    with overwritecells.Gradebook(url) as after:  # outside the block: a gradebook of its own
        assert after.db is not first.db
        assert penalty(after) == 1.0
    with Gradebook(url) as plain:
        assert penalty(plain) == 1.0
