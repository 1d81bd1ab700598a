"""`mlops-course check <notebook>`: a student's self-check, which predicts the visible tests' grade.

The self-check IS the grader, run with the visible tests only. The lab's release (`labs/<lab>/`,
which holds exactly the tests a student sees) stands in for the nbgrader source, and the
notebook goes through the grading engine as one submission: the same sandbox and kernel factory
(the lab's imports preloaded, a fresh forked kernel), the same limits (per-cell time limit,
memory, wall-clock budget), the same nbgrader preprocessors (test and locked cells restored
from the release, every cell run even after an error, nbgrader's scoring) and the same stream
policy (`streams`: warnings and log records never cost points). So a visible test passes here
exactly when it earns its points in grading; grading then adds the hidden tests. What `check`
adds is the reading: every test cell with its question, whether it passed, and why not in plain
words (`streams.verdict`), and an exit code that is non-zero on any failure (`nbgrader validate`
exits 0 either way).

`check_many` checks many notebooks of a lab in one pool of workers (the agreement test uses
it); JupyterLab's Validate button still runs nbgrader's own validation, with the same stream
policy (`grading/nbgrader_config.py`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import nbformat

from mlops_course import settings
from mlops_course.grading import GradingError, streams
from mlops_course.grading.lab import Lab, find_labs, grade_id, is_answer, is_test, points
from mlops_course.grading.outcomes import Outcome, Status


@dataclass
class Finding:
    question: str
    cell: str
    ok: bool
    why: str = ""
    points: float = 0.0
    cause: str = ""  # see streams.CellVerdict
    routed: int = 0  # warnings and log records shown, not graded


@dataclass
class CheckResult:
    path: Path
    findings: list[Finding] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # test or locked cells edited
    error: str = ""  # the notebook could not be checked at all
    outcome: Outcome | None = None  # what the grader's pipeline gave (None: it never ran)

    @property
    def tampered(self) -> str:
        """Why the grader marks the notebook tampered, when its code changed the kernel
        (edited locked cells are `changed`)."""
        if self.outcome is None or self.outcome.status is not Status.TAMPERED or self.changed:
            return ""
        return self.outcome.reason

    @property
    def passed(self) -> bool:
        return (
            not self.error
            and not self.changed
            and not self.tampered
            and all(f.ok for f in self.findings)
        )

    def lines(self) -> list[str]:
        out = [f"Checking {self.path} (visible tests only; grading adds hidden tests)."]
        if self.error:
            return out + [f"FAIL  {self.error}"]
        for cell in self.changed:
            out.append(
                f"FAIL  the test or locked cell {cell} was changed. The grader restores "
                "the original (so did this check), so your edit changes nothing. Undo it "
                "(or copy the cell from the original lab)."
            )
        if self.tampered:
            out.append(
                f"FAIL  {self.tampered}. Code that changes how the kernel runs later cells is "
                "undone before each cell and reported to your instructor: remove it."
            )
        for f in self.findings:
            mark = "pass" if f.ok else "FAIL"
            out.append(f"{mark}  {f.question} [{f.cell}, {f.points:g} pt]")
            if not f.ok:
                out += [f"      {line}" for line in f.why.splitlines()[:6]]
            if f.routed:
                out.append(
                    f"      note: {f.routed} warning(s) or log line(s) shown in this cell; "
                    "they cost no points."
                )
        failed = sum(not f.ok for f in self.findings)
        if self.passed:
            out.append(
                f"All {len(self.findings)} visible tests pass. Submit when you are ready: "
                "hidden tests decide the score."
            )
        else:
            problems = failed + len(self.changed) + bool(self.tampered)
            out.append(
                f"{problems} problem{'s' if problems != 1 else ''} to fix; then run the "
                "check again."
            )
        return out


class CheckError(GradingError, ValueError):
    """The path is not a lab notebook the course knows (the message says what to give)."""


def lab_of(path: Path, labs: list[Lab] | None = None) -> tuple[Lab, str]:
    """The lab a notebook belongs to (by its folder, else by its file name) and its name."""
    labs = find_labs() if labs is None else labs
    stem = path.stem
    owners = [lab for lab in labs if stem in lab.notebooks]
    same_folder = [lab for lab in owners if lab.name == path.resolve().parent.name]
    if same_folder or len(owners) == 1:
        return (same_folder or owners)[0], stem
    known = ", ".join(f"{lab.name}/{n}.ipynb" for lab in labs for n in lab.notebooks)
    raise CheckError(
        f"{path.name} is not a lab notebook of this course (keep the name it was released "
        f"with). Lab notebooks: {known or 'none'}."
    )


def visible_lab(lab: Lab) -> Lab:
    """The lab with its release as the source: grading it runs the visible tests only."""
    return Lab(lab.name, lab.release_dir, lab.release_dir)


@lru_cache(maxsize=8)
def _bundle(lab: Lab, notebook: str, sandbox: str):
    """The engine's bundle for the visible tests of one notebook (made once per process)."""
    from mlops_course.grading import run

    visible = visible_lab(lab)
    bundle, _ = run.bundle_for(visible, run.Options(sandbox=sandbox))
    return dataclasses.replace(bundle, notebooks=(notebook,))


def check(path: Path, *, sandbox: str = "auto") -> CheckResult:
    """Run the visible tests of one lab notebook the way the grader does and say what fails."""
    return check_many([Path(path)], sandbox=sandbox)[0]


def check_many(
    paths: list[Path], *, jobs: int | None = None, sandbox: str = "auto"
) -> list[CheckResult]:
    """`check` for many notebooks, graded in one pool per lab notebook; results in order."""
    from mlops_course.grading.run import grade_submissions
    from mlops_course.grading.submissions import Submission

    results = [CheckResult(Path(p)) for p in paths]
    groups: dict[tuple[Lab, str], list[int]] = {}
    labs = find_labs(settings.LABS_DIR, settings.LABS_DIR)  # the releases: visible tests only
    for index, result in enumerate(results):
        if not result.path.is_file():
            result.error = (
                f"{result.path} does not exist. Give the path of your lab notebook, e.g. "
                "labs/00-start-here/warmup.ipynb"
            )
            continue
        try:
            groups.setdefault(lab_of(result.path, labs), []).append(index)
        except CheckError as err:
            result.error = str(err)
    for (lab, notebook), indexes in groups.items():
        bundle = _bundle(lab, notebook, sandbox)
        subs = [
            Submission(f"check-{i}", {f"{notebook}.ipynb": results[i].path.read_bytes()}, "")
            for i in indexes
        ]
        outcomes = grade_submissions(bundle, subs, jobs)
        timeout = float(bundle.limits.cell_seconds)
        for i, sub in zip(indexes, subs, strict=True):
            read_outcome(results[i], outcomes[sub.student], notebook, timeout)
    return results


def read_outcome(result: CheckResult, outcome: Outcome, notebook: str, timeout: float) -> None:
    """Fill `result` from what grading the notebook (visible tests) produced."""
    result.outcome = outcome
    result.changed = list(outcome.changed.get(notebook, []))
    if notebook not in outcome.graded:
        result.error = _unrunnable(result.path, outcome)
        return
    if outcome.status is Status.TIMED_OUT and "budget" in outcome.reason:
        result.error = (
            f"{outcome.reason}: the grader stops a notebook at that point and scores "
            "only what ran before. Look for the cell that takes so long."
        )
    result.findings = findings(nbformat.reads(outcome.graded[notebook], as_version=4), timeout)


def _unrunnable(path: Path, outcome: Outcome) -> str:
    if outcome.status is Status.INVALID:
        return (
            f"{outcome.reason}. The grader cannot read it either, so it would score 0: "
            "restore it from your last good copy."
        )
    return f"{path.name} could not be run to the end ({outcome.status.value}): {outcome.reason}"


def findings(nb, timeout: float | None = None) -> list[Finding]:
    """Every test cell of an executed notebook: passed, or why not (`streams.verdict`)."""
    titles = _questions(nb)
    answer = None
    out = []
    for index, cell in enumerate(nb.cells):
        if is_answer(cell):
            answer = cell
            continue
        if not is_test(cell):
            continue
        v = streams.verdict(cell, answer, timeout)
        out.append(
            Finding(
                question=titles.get(index) or f"cell {index + 1}",
                cell=grade_id(cell) or "?",
                ok=v.ok,
                why=v.why,
                points=points(cell),
                cause=v.cause,
                routed=v.routed,
            )
        )
    return out


def _questions(nb) -> dict[int, str]:
    """Cell index -> the title of the question it belongs to (the last markdown heading)."""
    title, titles = "", {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.lstrip().startswith("#"):
                    title = line.lstrip("# ").strip()
                    break
        titles[index] = title
    return titles
