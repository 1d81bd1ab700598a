"""`mlops-course check` predicts the grade of the visible tests, on every lab and every variant.

For each lab, the synthetic cohort (every member for the warm-up lab; for the others the solution,
the blank release, a partly right answer and the mutants: the file-level and hostile members behave
alike in every lab) and every alternative go through `selfcheck.check_many`, the code behind `mlops-
course check`. The self-check runs the grader's pipeline with the visible tests (see `selfcheck`),
so one execution per distinct notebook serves both sides: check's verdict per test cell (its reading
of the executed notebook, `streams.verdict`) is compared with the score nbgrader's SaveAutoGrades
recorded in the submission's gradebook (what `grade` merges into the course gradebook and the CSVs).
For the warm-up lab, a separate `mlops-course grade` run of the visible tests proves that two
executions agree as well.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
import pytest

from mlops_course.grading import cohort, gradebook, run, selfcheck, soundness
from mlops_course.grading.lab import Lab, find_labs, solved

from .conftest import GRADING_TEST_LIMITS

LABS = find_labs()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Object of type .* not in session"),
]
SANDBOX_ONLY = {
    "infinite loop",
    "memory hog",
    "fork bomb",
    "os._exit",
    "writes outside its folder",
    "reads another student's notebook",
    "tries the network",
    "floods stdout",
}


# Beyond the warm-up lab, the members whose verdicts differ by lab: the solution, the blank
# release, a partly right one and every mutant (with the alternatives below). The file-level
# members (tampered, corrupt, renamed...) behave the same in every lab, so the warm-up's cover
# them, and CI time goes to the variants.
VERDICTS = {"correct", "blank", "partly right", "mutant"}


def _variants(lab: Lab) -> dict[str, dict[str, bytes]]:
    """Every alternative of the lab as submission files (mutants are cohort members)."""
    release = {n: nbformat.read(lab.release_path(n), as_version=4) for n in lab.notebooks}
    correct = {n: solved(release[n], lab.source(n)) for n in lab.notebooks}
    out = {}
    for alternative in lab.alternatives():
        nbs = soundness._with_variant(lab, correct, alternative)
        out[f"alternative-{alternative.name}"] = {
            f"{n}.ipynb": nbformat.writes(nb).encode() for n, nb in nbs.items()
        }
    return out


def _submissions(lab: Lab, folder: Path, hostile: bool = True) -> dict[str, list[Path]]:
    """Distinct notebooks to check (written under `folder`) -> the members that hand them in."""
    members = {
        m.student: m.files
        for m in cohort.members(lab, folder)
        if (hostile and lab.name == "00-start-here")
        or (m.kind not in SANDBOX_ONLY and (lab.name == "00-start-here" or m.kind in VERDICTS))
    }
    members.update(_variants(lab))
    distinct: dict[str, list[Path]] = {}
    for student, files in members.items():
        for name, data in files.items():
            if not name.endswith(".ipynb"):
                continue
            key = hashlib.sha256(name.encode() + data).hexdigest()
            if key not in distinct:
                path = folder / hashlib.sha256(student.encode()).hexdigest()[:12] / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                distinct[key] = [path]
            distinct[key].append(Path(student))
    return {str(paths[0]): paths[1:] for paths in distinct.values()}


def _disagreements(result: selfcheck.CheckResult, cells: dict[str, list]) -> list[str]:
    """Where check's verdict differs from the grader's score (`cells`: cell -> [score, max])."""
    wrong = []
    said = {f.cell: f for f in result.findings}
    for cell, (score, max_score) in cells.items():
        earned = (score or 0.0) >= max_score
        finding = said.get(cell)
        if finding is None:  # a deleted test cell: check must say the cell was changed
            if earned or cell not in result.changed:
                wrong.append(f"{cell}: graded {score}/{max_score}, check says nothing")
        elif finding.ok != earned:
            wrong.append(
                f"{cell}: check says {'pass' if finding.ok else 'FAIL'} "
                f"({finding.why}), graded {score}/{max_score}"
            )
    return wrong


@pytest.mark.parametrize("lab", LABS, ids=[lab.name for lab in LABS])
def test_check_and_the_grader_agree_on_every_visible_test_cell(lab, tmp_path):
    subs = _submissions(lab, tmp_path / "subs")
    paths = [Path(p) for p in subs]
    results = selfcheck.check_many(paths, jobs=2)
    wrong, checked = [], 0
    for path, result in zip(paths, results, strict=True):
        who = ", ".join(str(s) for s in subs[str(path)])
        if result.outcome is None:  # not a lab notebook (a wrong file name): nothing graded
            assert result.error, who
            continue
        nb = path.stem
        cells = result.outcome.cells.get(nb, {})
        if result.error:  # not runnable: the grader gives nothing either
            lost = [c for c, (s, m) in cells.items() if (s or 0) >= m]
            wrong += (
                [f"{who}: check failed it ({result.error}) but it earned {lost}"] if lost else []
            )
            continue
        checked += len(cells)
        wrong += [f"{who}: {w}" for w in _disagreements(result, cells)]
    assert not wrong, "\n".join(wrong)
    assert checked >= len(paths)  # every distinct runnable submission had its cells compared


def test_two_executions_of_the_warm_up_cohort_agree_too(warmup_lab, tmp_path):
    """`grade` on the visible tests, a run of its own, gives the scores check predicted."""
    subs = _submissions(warmup_lab, tmp_path / "subs", hostile=False)
    runnable = {p: who for p, who in subs.items() if Path(p).name == "warmup.ipynb"}
    folder = tmp_path / "cohort"
    for path in runnable:
        target = folder / Path(path).parent.name / "warmup.ipynb"
        target.parent.mkdir(parents=True)
        target.write_bytes(Path(path).read_bytes())
    graded = run.grade(
        selfcheck.visible_lab(warmup_lab),
        folder,
        run.Options(out=tmp_path / "out", jobs=2, progress=False, reports=False),
    )
    scores = gradebook.course_scores(tmp_path / "out" / "gradebook.db", warmup_lab.name)
    results = selfcheck.check_many([Path(p) for p in runnable], jobs=2)
    wrong = []
    for path, result in zip(runnable, results, strict=True):
        student = Path(path).parent.name
        if result.error:
            continue
        cells = {c: [g.score, g.max_score] for c, g in scores[student].grades["warmup"].items()}
        wrong += [f"{runnable[path]}: {w}" for w in _disagreements(result, cells)]
    assert not wrong, "\n".join(wrong)
    assert len(graded.outcomes) == len(runnable)


# --- warnings, log lines and stderr -----------------------------------------------------------

PROBES = {
    # A numpy RuntimeWarning that only a hidden frame triggers (every weathersit missing).
    "hidden-warning": {
        "q1_answer": (
            "import numpy as np\n\n\ndef missing_weather_hours(frame):\n"
            '    missing = frame["weathersit"].isna().to_numpy()\n'
            "    per_known = np.float64(missing.sum()) / (~missing).sum()  # gaps per known hour\n"
            "    return int(missing.sum())\n"
        )
    },
    # MLflow's informational lines on stderr ("Experiment ... does not exist. Creating ...").
    "mlflow-log": {
        "q2_answer": (
            "def mean_rentals_by_year(frame):\n    import mlflow\n\n"
            '    mlflow.set_tracking_uri("sqlite:///tracking.db")\n'
            '    mlflow.set_experiment("warm-up")\n'
            '    return frame.groupby(frame["timestamp"].dt.year)["cnt"].mean()\n'
        )
    },
    "prints-to-stderr": {
        "q3_answer": (
            "import sys\n\n\ndef split_sizes(frame):\n"
            '    print("splitting", file=sys.stderr)\n'
            "    reference = datasets.reference_period(frame)\n"
            "    windows = datasets.production_windows(frame)\n"
            '    return {"reference": len(reference), "production": sum(len(w) for w in windows)}\n'
        )
    },
    "raises": {"q3_answer": 'def split_sizes(frame):\n    raise ValueError("no split today")\n'},
}


@pytest.fixture(scope="module")
def probes(tmp_path_factory, warmup_lab):
    """The probes graded for real (hidden tests, a short cell limit) and self-checked."""
    base = tmp_path_factory.mktemp("probes")
    release = nbformat.read(warmup_lab.release_path("warmup"), as_version=4)
    correct = solved(release, warmup_lab.source("warmup"))
    from mlops_course.grading.lab import with_sources

    paths = {}
    for student, answers in PROBES.items():
        path = base / "subs" / student / "warmup.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(with_sources(correct, answers), path)
        paths[student] = path
    result = run.grade(
        warmup_lab,
        base / "subs",
        run.Options(out=base / "out", jobs=2, progress=False, reports=False, **GRADING_TEST_LIMITS),
    )
    checks = dict(zip(paths, selfcheck.check_many(list(paths.values()), jobs=2), strict=True))
    return {"out": base / "out", "result": result, "checks": checks}


def test_a_library_log_line_or_a_hidden_runtime_warning_costs_no_points(probes):
    outcomes = probes["result"].outcomes
    for student in ("hidden-warning", "mlflow-log"):
        assert outcomes[student].score == outcomes[student].max_score, outcomes[student].cells
        assert probes["checks"][student].passed, probes["checks"][student].lines()
    mlflow = {f.cell: f for f in probes["checks"]["mlflow-log"].findings}["q2_test"]
    assert mlflow.routed >= 1  # shown, and said to cost nothing
    graded = nbformat.read(
        probes["out"] / "autograded" / "hidden-warning" / "00-start-here" / "warmup.ipynb", 4
    )
    shown = "".join(
        o.get("text", "")
        for c in graded.cells
        for o in c.get("outputs", [])
        if c.metadata.get("nbgrader", {}).get("grade_id") == "q1_test"
    )
    assert "[not graded: warning]" in shown and "RuntimeWarning" in shown


def test_a_test_cell_that_raises_or_prints_to_stderr_still_scores_zero(probes):
    outcomes = probes["result"].outcomes
    for student, cause in (("raises", "error"), ("prints-to-stderr", "stderr")):
        assert outcomes[student].cells["warmup"]["q3_test"][0] == 0, student
        finding = {f.cell: f for f in probes["checks"][student].findings}["q3_test"]
        assert not finding.ok and finding.cause == cause, finding


def test_feedback_says_in_plain_words_why_a_test_cell_lost_its_points(probes):
    def page(student: str) -> str:
        return (probes["out"] / "feedback" / student / "00-start-here" / "warmup.html").read_text()

    assert "Why this test cell scored 0:" in page("raises")
    assert "the test raised ValueError: no split today" in page("raises")
    assert "wrote to stderr" in page("prints-to-stderr")
    assert "cost no points" in page("mlflow-log")
    assert "Why this test cell scored 0" not in page("mlflow-log")
