"""`mlops-course check <notebook>`: a student's self-check, in plain words.

It is nbgrader's validation, the same that JupyterLab's Validate button runs, with the course's
configuration: the notebook is executed top to bottom with the visible tests it contains, and
every test cell that does not earn its full points fails. The differences are in what it says
and what it returns: each failing question is named with the first line of its prompt and the
message of the assertion that failed, and the command exits non-zero unless every visible test
passes (`nbgrader validate` exits 0 either way).
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from mlops_course.grading import config, nbgrader_overrides
from mlops_course.grading.lab import grade_id, is_answer, is_test, points

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class Finding:
    question: str
    cell: str
    ok: bool
    why: str = ""
    points: float = 0.0


@dataclass
class CheckResult:
    path: Path
    findings: list[Finding] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # test or locked cells edited
    error: str = ""  # the notebook could not be checked at all

    @property
    def passed(self) -> bool:
        return not self.error and not self.changed and all(f.ok for f in self.findings)

    def lines(self) -> list[str]:
        out = [f"Checking {self.path} (visible tests only; grading adds hidden tests)."]
        if self.error:
            return out + [f"FAIL  {self.error}"]
        for cell in self.changed:
            out.append(
                f"FAIL  the test or locked cell {cell} was changed. The grader restores "
                "the original, so what passes here may fail when graded. Undo your edit "
                "(or copy the cell from the original lab)."
            )
        for f in self.findings:
            mark = "pass" if f.ok else "FAIL"
            out.append(f"{mark}  {f.question} [{f.cell}, {f.points:g} pt]")
            if not f.ok:
                out += [f"      {line}" for line in f.why.splitlines()[:6]]
        failed = sum(not f.ok for f in self.findings)
        if self.passed:
            out.append(
                f"All {len(self.findings)} visible tests pass. Submit when you are ready: "
                "hidden tests decide the score."
            )
        else:
            problems = failed + len(self.changed)
            out.append(
                f"{problems} problem{'s' if problems != 1 else ''} to fix; then run the "
                "check again."
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


def _why(cell, answers_before: list) -> str:
    """What went wrong in a test cell, for a student."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            ename, evalue = out.get("ename", "Error"), ANSI.sub("", out.get("evalue", ""))
            if ename == "NotImplementedError":
                return (
                    "not answered yet: the answer cell still raises NotImplementedError. "
                    "Write your code where it says YOUR CODE HERE and delete that line."
                )
            if ename == "NameError":
                return (
                    f"{evalue}. Run the answer cell above this test first, and check the "
                    "name is spelled as the question asks."
                )
            if ename == "AssertionError":
                return evalue or "an assertion failed (it has no message)"
            if ename == "CellTimeoutError":
                return "the cell ran out of time: look for a loop that never ends."
            return f"{ename}: {evalue}"
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            first = out.get("text", "").strip().splitlines()[:1]
            return "the cell wrote to stderr, which counts as a failure: " + (
                first[0] if first else "(empty)"
            )
    for answer in answers_before:
        for out in answer.get("outputs", []):
            if out.get("output_type") == "error":
                return (
                    f"the answer cell {grade_id(answer)} failed: {out.get('ename')}: "
                    f"{ANSI.sub('', out.get('evalue', ''))}"
                )
    return "partial credit: some of the tests in this cell passed, not all"


def check(path: Path) -> CheckResult:
    """Run the visible tests of one lab notebook and say what fails."""
    path = Path(path)
    result = CheckResult(path)
    if not path.is_file():
        result.error = (
            f"{path} does not exist. Give the path of your lab notebook, e.g. "
            "labs/00-start-here/warmup.ipynb"
        )
        return result
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as err:  # noqa: BLE001 - tell the student, do not crash
        result.error = (
            f"{path.name} is not a readable notebook ({type(err).__name__}: {err}). "
            "Restore it from your last good copy."
        )
        return result
    config.ensure_venv_on_path()
    from nbgrader import utils
    from nbgrader.validator import Validator

    cfg = config.load()
    # Local sockets instead of TCP: no network involved, and no kernel warning about it.
    cfg.KernelManager.transport = "ipc"
    validator = Validator(config=cfg, log=config.quiet_logger())
    type_changed = nbgrader_overrides.type_changed_cells(validator, nb)
    result.changed = [grade_id(c) or "?" for c in type_changed]
    with _chdir(path.parent.resolve()):
        try:
            nb = nbgrader_overrides.run_validator(validator, nb)
        except Exception as err:  # noqa: BLE001 - a broken kernel or metadata
            result.error = f"the notebook could not be run ({type(err).__name__}: {err})"
            return result
    result.changed += [grade_id(c) or "?" for c in nbgrader_overrides.changed_cells(validator, nb)]
    failed = {id(c) for c in nbgrader_overrides.failed_cells(validator, nb)}
    titles = _questions(nb)
    answers_seen: list = []
    for index, cell in enumerate(nb.cells):
        if is_answer(cell):
            answers_seen.append(cell)
            continue
        if not is_test(cell):
            continue
        score, max_score = utils.determine_grade(cell)
        ok = id(cell) not in failed
        result.findings.append(
            Finding(
                question=titles.get(index) or f"cell {index + 1}",
                cell=grade_id(cell) or "?",
                ok=ok,
                why="" if ok else _why(cell, answers_seen[-1:]),
                points=points(cell),
            )
        )
    return result


@contextlib.contextmanager
def _chdir(folder: Path):
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)
