"""`mlops-course verify`: every lab in solutions/ is sound, and an unsound one is named."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from mlops_course.grading import soundness
from mlops_course.grading.engine import Outcome, Status
from mlops_course.grading.lab import Lab, find_labs, grade_id

LABS = find_labs()


def test_there_is_at_least_the_warm_up_lab():
    assert "00-start-here" in [lab.name for lab in LABS]


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS, ids=[lab.name for lab in LABS])
def test_every_lab_passes_every_soundness_check(lab, require_sandbox):
    verdict = soundness.verify(lab, jobs=2)
    assert verdict.ok, "\n".join(str(p) for p in verdict.problems)
    assert verdict.passed == list(soundness.CHECKS)


@pytest.fixture
def require_sandbox():
    from .conftest import require_tool

    require_tool("bwrap", "the grading sandbox")


def _copy_lab(lab: Lab, tmp_path) -> Lab:
    solutions = tmp_path / "solutions"
    shutil.copytree(lab.source_dir, solutions / lab.name)
    return Lab(lab.name, solutions / lab.name, tmp_path / "labs" / lab.name)


def test_an_answer_without_a_test_is_named_with_lab_cell_and_check(warmup_lab, tmp_path):
    lab = _copy_lab(warmup_lab, tmp_path)
    path = lab.source_path("warmup")
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if grade_id(c) != "q1_test"]
    for cell in nb.cells:
        if grade_id(cell) == "q2_test":
            del cell.metadata["nbgrader"]["points"]
    nbformat.write(nb, path)
    problems = [str(p) for p in soundness.lint(lab)]
    assert (
        "00-start-here/warmup.ipynb [q1_answer] metadata: answer cell not followed by a test cell"
    ) in problems
    assert "00-start-here/warmup.ipynb [q2_test] metadata: graded cell without points" in problems


def test_a_mutant_naming_a_missing_cell_is_reported(warmup_lab, tmp_path):
    lab = _copy_lab(warmup_lab, tmp_path)
    (lab.mutants_dir / "typo.py").write_text(
        '"""Names a cell that does not exist."""\n\nEDITS = {"q9_answer": [("a", "b")]}\n'
    )
    problems = [str(p) for p in soundness.lint(lab)]
    assert any("[mutants/typo.py] metadata: names cell 'q9_answer'" in p for p in problems)


def test_a_mutant_left_stale_by_a_changed_solution_is_named_by_verify(warmup_lab, tmp_path):
    lab = _copy_lab(warmup_lab, tmp_path)
    path = lab.source_path("warmup")
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if grade_id(cell) == "q2_answer":
            cell.source = cell.source.replace(".mean()", ".agg('mean')")
    nbformat.write(nb, path)
    problems = [str(p) for p in soundness.lint(lab)]
    stale = [p for p in problems if "[mutants/q2_sums_instead_of_means.py] metadata:" in p]
    assert stale and "q2_answer, edit 1" in stale[0] and "is not in the solution" in stale[0]
    assert not any("q2_groups_by_year_code" in p for p in problems)  # the others still load


def _outcome(student: str, cells: dict, status=Status.GRADED) -> Outcome:
    score = sum(v[0] for v in cells.values())
    return Outcome(
        student,
        status,
        "every cell ran",
        score=score,
        max_score=5.0,
        cells={"warmup": {k: list(v) for k, v in cells.items()}},
        seconds={"execute": 1.0},
    )


def test_a_mutant_that_keeps_full_marks_and_a_weak_ablation_are_reported(warmup_lab):
    full = {"q1_test": (1.0, 1.0), "q2_test": (2.0, 2.0), "q3_test": (2.0, 2.0)}
    plan = {
        "solution": {"kind": "solution"},
        "solution-again": {"kind": "determinism"},
        "blank": {"kind": "blank"},
        "ablate": {
            "kind": "ablation",
            "notebook": "warmup",
            "cell": "q2_answer",
            "tests": ["q2_test"],
        },
        "mutant-x": {"kind": "mutant", "mutant": "x", "loses": [("warmup", "q1_test")]},
    }
    graded = {
        "solution": _outcome("solution", full),
        "solution-again": _outcome("solution-again", full),
        "blank": _outcome("blank", {k: (0.0, v[1]) for k, v in full.items()}),
        "ablate": _outcome("ablate", full),
        "mutant-x": _outcome("mutant-x", full),
    }
    problems = [str(p) for p in soundness._judge(warmup_lab, plan, graded, {})]
    assert (
        "00-start-here/warmup.ipynb [q2_answer] ablation: blanking this answer costs no "
        "points: no test depends on it"
    ) in problems
    assert any("[mutants/x.py] mutants: the mutant scores full marks" in p for p in problems)
    assert any("[q1_test] mutants: mutant x should lose points here" in p for p in problems)


def _judged(warmup_lab, student: str, info: dict, cells: dict) -> list[str]:
    """What _judge says of one extra submission next to a sound solution."""
    full = {"q1_test": (1.0, 1.0), "q2_test": (2.0, 2.0), "q3_test": (2.0, 2.0)}
    plan = {
        "solution": {"kind": "solution"},
        "solution-again": {"kind": "determinism"},
        "blank": {"kind": "blank"},
        student: info,
    }
    graded = {
        "solution": _outcome("solution", full),
        "solution-again": _outcome("solution-again", full),
        "blank": _outcome("blank", {k: (0.0, v[1]) for k, v in full.items()}),
        student: _outcome(student, {**full, **cells}),
    }
    return [str(p) for p in soundness._judge(warmup_lab, plan, graded, {})]


def test_an_alternative_that_loses_points_fails_verify(warmup_lab):
    info = {"kind": "alternative", "alternative": "other_way"}
    problems = _judged(warmup_lab, "alternative-other_way", info, {"q2_test": (0.0, 2.0)})
    assert problems == [
        "00-start-here [alternatives/other_way.py] alternatives: this correct answer loses "
        "points on q2_test (-2); a test rejects a right way of answering: test the property "
        "asked for, not one spelling of it"
    ]


def test_an_alternative_with_full_marks_passes_and_a_mutant_with_them_does_not(warmup_lab):
    info = {"kind": "alternative", "alternative": "other_way"}
    assert _judged(warmup_lab, "alternative-other_way", info, {}) == []
    info = {"kind": "mutant", "mutant": "wrong", "loses": []}
    assert _judged(warmup_lab, "mutant-wrong", info, {}) != []


def test_verify_grades_every_alternative_as_a_submission(warmup_lab, tmp_path):
    fresh = tmp_path / "release"
    fresh.mkdir()
    shutil.copy(warmup_lab.release_path("warmup"), fresh / "warmup.ipynb")
    plan = soundness._submissions(warmup_lab, fresh, tmp_path / "submissions")
    alternatives = {s: i for s, i in plan.items() if i["kind"] == "alternative"}
    assert alternatives and len(alternatives) == len(warmup_lab.alternatives())
    for student, info in alternatives.items():
        name = info["alternative"]
        written = nbformat.read(tmp_path / "submissions" / student / "warmup.ipynb", as_version=4)
        (alternative,) = [a for a in warmup_lab.alternatives() if a.name == name]
        for cell, text in alternative.replacements.items():
            assert [c.source for c in written.cells if grade_id(c) == cell] == [text]
