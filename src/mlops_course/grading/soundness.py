"""`mlops-course verify [lab]`: the checks every lab in `solutions/` must pass.

    metadata     unique cell ids; every nbgrader cell has an id; points on every test cell;
                 every answer followed by a test that names what the answer defines; solution
                 and hidden-test markers balanced and in the right cells; a `parameters` cell
                 with FAST; valid `mlops_course` settings; mutants and alternatives that
                 load (every edit applies to the solution once) and name real cells
    release      `labs/<lab>/` is what `mlops-course release` generates now; the release holds
                 no solution line, no hidden-test line, no marker, no output, no mutant and
                 no alternative
    solution     the solution, submitted as a student would, scores full marks, status graded,
                 with nothing on stderr
    blank        the release handed in untouched scores zero
    ablation     blanking any one answer cell costs points on a test cell that names it
    mutants      every plausible wrong answer in `solutions/<lab>/mutants/` loses points (on the
                 cells its LOSES lists, when it lists any)
    alternatives every correct answer written differently in `solutions/<lab>/alternatives/`
                 scores full marks
    determinism  two gradings of the solution give the same per-cell scores
    budget       the solution runs within the lab's `budget_seconds`
Every problem names the lab, the notebook, the cell and the check. The gradings run through
the course's engine (sandboxed, in parallel), so `verify` also proves the lab can be graded.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from mlops_course.grading import release
from mlops_course.grading.lab import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    VARIANT_KINDS,
    Lab,
    LabError,
    LabSettings,
    Mutant,
    VariantError,
    cells_by_id,
    grade_id,
    hidden_lines,
    is_answer,
    is_test,
    load_variant,
    nbgrader_meta,
    points,
    solution_lines,
    solved,
    stub_of,
    tests_naming,
    with_sources,
)

MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
CHECKS = (
    "metadata",
    "release",
    "solution",
    "blank",
    "ablation",
    "mutants",
    "alternatives",
    "determinism",
    "budget",
)


@dataclass(frozen=True)
class Problem:
    lab: str
    notebook: str
    cell: str
    check: str
    message: str

    def __str__(self) -> str:
        where = f"{self.lab}/{self.notebook}.ipynb" if self.notebook else self.lab
        cell = f" [{self.cell}]" if self.cell else ""
        return f"{where}{cell} {self.check}: {self.message}"


@dataclass
class Verdict:
    lab: str
    problems: list[Problem]
    passed: list[str]  # checks with no problem
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


# --- metadata -------------------------------------------------------------------------------


def _balanced(source: str, begin: str, end: str) -> str | None:
    depth = 0
    for line in source.split("\n"):
        if begin in line:
            depth += 1
            if depth > 1:
                return f"nested '{begin}'"
        elif end in line:
            depth -= 1
            if depth < 0:
                return f"'{end}' without '{begin}'"
    return f"'{begin}' without '{end}'" if depth else None


def lint(lab: Lab) -> list[Problem]:
    problems: list[Problem] = []
    for nb_name in lab.notebooks:
        try:
            nb = lab.source(nb_name)
        except Exception as err:  # noqa: BLE001
            problems.append(Problem(lab.name, nb_name, "", "metadata", f"cannot be read: {err}"))
            continue
        found = _lint_notebook(lab, nb_name, nb) + _lint_cells(nb)
        problems += [Problem(lab.name, nb_name, cell, "metadata", msg) for cell, msg in found]
    return problems + _lint_variants(lab)


def _lint_notebook(lab: Lab, nb_name: str, nb) -> list[tuple[str, str]]:
    """(cell, message) for what is wrong with a notebook as a whole: settings, ids, FAST."""
    found: list[tuple[str, str]] = []
    try:
        LabSettings.from_notebook(nb, f"{lab.name}/{nb_name}.ipynb")
    except LabError as err:
        found.append(("", str(err)))
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        found.append(("", "the kernelspec must be python3 (the course's kernel)"))
    ids = [c.get("id") for c in nb.cells]
    for dup in sorted({i for i in ids if i and ids.count(i) > 1}):
        found.append((dup, "two cells share this cell id"))
    gids = [grade_id(c) for c in nb.cells if nbgrader_meta(c)]
    for dup in sorted({g for g in gids if g and gids.count(g) > 1}):
        found.append((dup, "two cells share this nbgrader id"))
    if not any(
        c.cell_type == "code" and "parameters" in c.metadata.get("tags", []) and "FAST" in c.source
        for c in nb.cells
    ):
        found.append(("", "no code cell tagged `parameters` defines FAST"))
    return found


def _lint_cells(nb) -> list[tuple[str, str]]:
    """(cell, message) for every nbgrader cell with bad metadata or markers."""
    found: list[tuple[str, str]] = []
    cells = nb.cells
    for index, cell in enumerate(cells):
        meta = nbgrader_meta(cell)
        name = grade_id(cell) or f"cell {index + 1}"
        if meta and not grade_id(cell):
            found.append((name, "nbgrader cell without a grade_id"))
        if meta.get("grade") and points(cell) <= 0:
            found.append((name, "graded cell without points"))
        for begin, end in ((BEGIN_SOLUTION, END_SOLUTION), (BEGIN_HIDDEN, END_HIDDEN)):
            problem = _balanced(cell.source, begin, end)
            if problem:
                found.append((name, problem))
        if BEGIN_SOLUTION in cell.source and not meta.get("solution"):
            found.append((name, "a solution region in a cell that is not a solution cell"))
        if BEGIN_HIDDEN in cell.source and not is_test(cell):
            found.append((name, "hidden tests in a cell that is not a test cell"))
        if is_answer(cell):
            if not solution_lines(cell.source):
                found.append((name, "answer cell without a BEGIN/END SOLUTION region"))
            if not _followed_by_a_test(cells, index):
                found.append((name, "answer cell not followed by a test cell"))
    return found


def _followed_by_a_test(cells: list, index: int) -> bool:
    for later in cells[index + 1 :]:
        if is_answer(later):
            return False
        if is_test(later):
            return True
    return False


def _lint_variants(lab: Lab) -> list[Problem]:
    """Every mutant and alternative file loads (its edits apply to the solution, each once)
    and names only cells the lab has; one problem per file, so one stale file hides nothing."""
    problems: list[Problem] = []
    sources = lab.answer_sources()
    for kind in VARIANT_KINDS:
        folder = lab.variant_dir(kind)
        for path in sorted(folder.glob("*.py")):
            where = f"{folder.name}/{path.name}"
            try:
                variant = load_variant(path, sources, kind)
            except VariantError as err:
                problems.append(Problem(lab.name, "", where, "metadata", err.detail))
                continue
            for key in variant.loses:
                if _resolve(lab, key)[0] is None:
                    problems.append(
                        Problem(
                            lab.name,
                            "",
                            where,
                            "metadata",
                            f"names cell {key!r}, which no notebook of the lab has",
                        )
                    )
    return problems


def _resolve(lab: Lab, key: str) -> tuple[str | None, str]:
    """('notebook', 'cell') for a mutant key 'cell' or 'notebook/cell'."""
    if "/" in key:
        nb_name, cell = key.split("/", 1)
        return (
            (nb_name, cell)
            if nb_name in lab.notebooks and cell in cells_by_id(lab.source(nb_name))
            else (None, cell)
        )
    owners = [n for n in lab.notebooks if key in cells_by_id(lab.source(n))]
    return (owners[0], key) if len(owners) == 1 else (None, key)


# --- release ------------------------------------------------------------------------------


def _meaningful(line: str) -> bool:
    text = line.strip()
    return len(text) >= 8 and bool(re.search(r"[A-Za-z0-9]{3}", text)) and not text.startswith("#")


def leaks(lab: Lab, fresh: Path) -> list[Problem]:
    problems = []
    for nb_name in lab.notebooks:
        path = fresh / f"{nb_name}.ipynb"
        if not path.is_file():
            problems.append(Problem(lab.name, nb_name, "", "release", "no release generated"))
            continue
        found = _leaks_in(path.read_text(), lab.source(nb_name))
        problems += [Problem(lab.name, nb_name, cell, "release", msg) for cell, msg in found]
    for folder in ("mutants", "alternatives"):
        if (fresh / folder).exists():
            problems.append(Problem(lab.name, "", folder, "release", f"the {folder} are released"))
    for problem in release.stale(lab):
        problems.append(
            Problem(lab.name, "", "", "release", f"{problem}; run `mlops-course release`")
        )
    return problems


def _leaks_in(text: str, source) -> list[tuple[str, str]]:
    """(cell, message) for every marker, output, hidden-test or solution line a released
    notebook (`text`) shows of its `source`."""
    released = nbformat.reads(text, as_version=4)
    rel_cells = cells_by_id(released)
    found = [("", f"contains '{marker}'") for marker in MARKERS if marker in text]
    found += [
        (grade_id(cell) or "", "a cell keeps its outputs")
        for cell in released.cells
        if cell.get("outputs")
    ]
    for cell in source.cells:
        gid = grade_id(cell) or ""
        found += [
            (gid, f"hidden test line leaks: {line.strip()[:60]!r}")
            for line in hidden_lines(cell.source)
            if _meaningful(line) and line.strip() in text
        ]
        released_source = rel_cells[gid].source if gid in rel_cells else ""
        found += [
            (gid, f"solution line leaks: {line.strip()[:60]!r}")
            for line in solution_lines(cell.source)
            if _meaningful(line) and line.strip() in released_source
        ]
    return found


# --- gradings -------------------------------------------------------------------------------


def _submissions(lab: Lab, fresh: Path, folder: Path) -> dict[str, dict]:
    """Every submission verify grades: student id -> {"kind", "target"} (and writes them)."""
    release_nbs = {n: nbformat.read(fresh / f"{n}.ipynb", as_version=4) for n in lab.notebooks}
    sources = {n: lab.source(n) for n in lab.notebooks}
    correct = {n: solved(release_nbs[n], sources[n]) for n in lab.notebooks}
    plan: dict[str, tuple[dict, dict]] = {
        "solution": (correct, {"kind": "solution"}),
        "solution-again": (correct, {"kind": "determinism"}),
        "blank": (release_nbs, {"kind": "blank"}),
    }
    for nb_name in lab.notebooks:
        for cell in sources[nb_name].cells:
            if is_answer(cell):
                gid = grade_id(cell)
                ablated = dict(correct)
                ablated[nb_name] = with_sources(
                    correct[nb_name], {gid: stub_of(release_nbs[nb_name], gid)}
                )
                plan[f"ablate-{nb_name}-{gid}"] = (
                    ablated,
                    {
                        "kind": "ablation",
                        "notebook": nb_name,
                        "cell": gid,
                        "tests": sorted(tests_naming(sources[nb_name], gid)),
                    },
                )
    for mutant in lab.mutants():
        plan[f"mutant-{mutant.name}"] = (
            _with_variant(lab, correct, mutant),
            {
                "kind": "mutant",
                "mutant": mutant.name,
                "loses": [_resolve(lab, k) for k in mutant.loses],
            },
        )
    for alternative in lab.alternatives():
        plan[f"alternative-{alternative.name}"] = (
            _with_variant(lab, correct, alternative),
            {"kind": "alternative", "alternative": alternative.name},
        )
    for student, (nbs, _) in plan.items():
        for nb_name, nb in nbs.items():
            target = folder / student / f"{nb_name}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, target)
    return {student: info for student, (_, info) in plan.items()}


def _with_variant(lab: Lab, correct: dict, variant: Mutant) -> dict:
    """The solved notebooks with a variant's cells in place of the solution's."""
    out = dict(correct)
    by_nb: dict[str, dict[str, str]] = {}
    for key, text in variant.replacements.items():
        nb_name, cell = _resolve(lab, key)
        if nb_name:
            by_nb.setdefault(nb_name, {})[cell] = text
    for nb_name, sources in by_nb.items():
        out[nb_name] = with_sources(correct[nb_name], sources)
    return out


def verify(
    lab: Lab, *, jobs: int | None = None, progress: bool = False, sandbox: str = "auto"
) -> Verdict:
    """Every soundness check of one lab."""
    import time

    from mlops_course.grading import run as grading_run

    started = time.perf_counter()
    problems = lint(lab)
    if problems:  # the gradings would only repeat what is broken
        return Verdict(lab.name, problems, [], time.perf_counter() - started)
    with tempfile.TemporaryDirectory(prefix="mlops-verify-") as tmp:
        tmp_path = Path(tmp)
        generated = release.generate(lab, tmp_path / "generate")
        problems += leaks(lab, generated.folder)
        plan = _submissions(lab, generated.folder, tmp_path / "submissions")
        result = grading_run.grade(
            lab,
            tmp_path / "submissions",
            grading_run.Options(
                out=tmp_path / "out",
                jobs=jobs,
                progress=progress,
                reports=False,
                feedback=False,
                write_submitted=False,
                sandbox=sandbox,
            ),
        )
        graded = {s: result.outcomes[s] for s in plan}
        solution_nbs = {
            nb: (tmp_path / "out" / "autograded" / "solution" / lab.name / f"{nb}.ipynb")
            for nb in lab.notebooks
        }
        problems += _judge(lab, plan, graded, solution_nbs)
    failed_checks = {p.check for p in problems}
    return Verdict(
        lab.name,
        problems,
        [c for c in CHECKS if c not in failed_checks],
        time.perf_counter() - started,
    )


def _lost(outcome, full) -> dict[tuple[str, str], float]:
    """(notebook, cell) -> points lost compared with `full` (the solution's outcome)."""
    lost = {}
    for nb, cells in full.cells.items():
        for cell, (score, max_score) in cells.items():
            got = outcome.cells.get(nb, {}).get(cell, [0.0, max_score])[0] or 0.0
            if (score or 0.0) - got > 0:
                lost[(nb, cell)] = (score or 0.0) - got
    return lost


def _judge(lab: Lab, plan: dict, graded: dict, solution_nbs: dict) -> list[Problem]:
    """Every problem the gradings of `plan` show (solution, blank, determinism, budget, then
    each ablation, mutant and alternative against the solution's per-cell scores)."""
    sol = graded["solution"]
    found = _judge_solution(sol, solution_nbs) + _judge_reruns(lab, sol, graded)
    judges = {
        "ablation": _judge_ablation,
        "mutant": _judge_mutant,
        "alternative": _judge_alternative,
    }
    for student, info in plan.items():
        judge = judges.get(info["kind"])
        if judge:
            found += judge(info, graded[student], _lost(graded[student], sol))
    return [Problem(lab.name, *where) for where in found]


# (notebook, cell, check, message): a Problem without its lab
Found = tuple[str, str, str, str]


def _judge_solution(sol: Any, solution_nbs: dict) -> list[Found]:
    """The solution scores full marks, and its graded notebooks show no stderr and no error."""
    found: list[Found] = []
    if sol.status.value != "graded" or sol.score < sol.max_score:
        found.append((
            "",
            "",
            "solution",
            f"the solution scores {sol.score:g} of {sol.max_score:g} "
            f"({sol.status.value}: {sol.reason})",
        ))
    for nb_name, path in solution_nbs.items():
        if not path.exists():
            continue
        executed = nbformat.read(path, as_version=4)
        for index, cell in enumerate(executed.cells):
            for out in cell.get("outputs", []):
                message = _bad_output(out)
                if message:
                    found.append(
                        (nb_name, grade_id(cell) or f"cell {index + 1}", "solution", message)
                    )
    return found


def _bad_output(out: dict) -> str | None:
    if out.get("output_type") == "stream" and out.get("name") == "stderr":
        return f"writes to stderr: {out.get('text', '').strip()[:100]!r}"
    if out.get("output_type") == "error":
        return f"raises {out.get('ename')}: {out.get('evalue', '')[:100]}"
    return None


def _judge_reruns(lab: Lab, sol: Any, graded: dict) -> list[Found]:
    """The blank release scores zero; a second grading agrees; the solution keeps its budget."""
    found: list[Found] = []
    blank = graded["blank"]
    if blank.score != 0:
        found.append(("", "", "blank", f"the blank release scores {blank.score:g}, not 0"))
    again = graded["solution-again"]
    if json.dumps(again.cells, sort_keys=True) != json.dumps(sol.cells, sort_keys=True):
        found.append((
            "",
            "",
            "determinism",
            "two gradings of the solution give different cell scores: "
            f"{sol.cells} then {again.cells}",
        ))
    budget = lab.settings().budget_seconds
    ran = sol.seconds.get("execute", 0.0)
    if ran > budget:
        found.append(
            ("", "", "budget", f"the solution ran {ran:.1f} s when graded; budget {budget:g} s")
        )
    return found


def _judge_ablation(info: dict, outcome: Any, lost: dict) -> list[Found]:
    """Blanking an answer costs points on a test that names it."""
    if not lost:
        message = "blanking this answer costs no points: no test depends on it"
    elif not any(nb == info["notebook"] and cell in info["tests"] for nb, cell in lost):
        message = (
            f"blanking it costs points only on {', '.join(c for _, c in lost)}, none "
            f"of which names it (its tests: {', '.join(info['tests']) or 'none'})"
        )
    else:
        return []
    return [(info["notebook"], info["cell"], "ablation", message)]


def _judge_mutant(info: dict, outcome: Any, lost: dict) -> list[Found]:
    """A mutant loses points, on every cell its LOSES names."""
    found: list[Found] = []
    if not lost:
        found.append((
            "",
            f"mutants/{info['mutant']}.py",
            "mutants",
            f"the mutant scores full marks ({outcome.status.value}); add a test that "
            "catches this mistake",
        ))
    for nb_name, cell in info["loses"]:
        if nb_name and (nb_name, cell) not in lost:
            found.append((
                nb_name,
                cell,
                "mutants",
                f"mutant {info['mutant']} should lose points here but does not",
            ))
    return found


def _judge_alternative(info: dict, outcome: Any, lost: dict) -> list[Found]:
    """An alternative, a correct answer written differently, scores what the solution scores."""
    if outcome.status.value == "graded" and not lost:
        return []
    where = ", ".join(f"{cell} (-{points:g})" for (_, cell), points in lost.items())
    why = f"loses points on {where}" if lost else f"is {outcome.status.value}: {outcome.reason}"
    return [(
        "",
        f"alternatives/{info['alternative']}.py",
        "alternatives",
        f"this correct answer {why}; a test rejects a right way of answering: "
        "test the property asked for, not one spelling of it",
    )]

