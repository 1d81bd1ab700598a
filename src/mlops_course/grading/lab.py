"""What a lab is: its nbgrader source in `solutions/<lab>/`, its release in `labs/<lab>/`, the role
of every cell, the lab's grading settings, and its mutants.

Cell roles follow nbgrader's metadata:
    answer  a code cell with `solution: true` (the student writes it)
    test    a code cell with `grade: true`, not a solution (visible asserts, then hidden ones)
    locked  any other nbgrader cell with `locked: true` (prompts, setup); restored when graded

Lab settings live in the notebook metadata under `mlops_course` (all optional):
    budget_seconds   runtime budget of the solution in fast mode (default 60)
    grading_seconds  wall-clock budget per submission when grading (default 3 x budget, >= 60)
    network          "none" (default: a private network namespace with only its own loopback,
                     so a notebook may start a server on 127.0.0.1 and call it, but reaches
                     nothing else) or "host" (the grading machine's network)
    memory_mb        memory limit of a student's kernel (default 2048)
    preload          modules imported once per grading worker before kernels are forked
                     (default: the modules imported by the lab's locked cells)

A mutant is a plausible wrong answer, one file per mistake in `solutions/<lab>/mutants/`:

    \"\"\"Counts the hours that have a weather situation instead of those that miss one.\"\"\"

    REPLACEMENTS = {
        "q1_answer": '''def missing_weather_hours(frame):
        return int(frame["weathersit"].count())''',
    }
    LOSES = ["q1_test"]  # optional: test cells that must lose points

The docstring says what the mistake is; `REPLACEMENTS` maps an nbgrader cell id (`grade_id`,
or `notebook/grade_id` when the lab has several notebooks) to the source a student with that
mistake would have written. Mutant files are read, never imported or run by the grader.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# isort: off
from mlops_course.grading import config  # noqa: F401 - first: it keeps nbformat's import cheap
import nbformat
from nbformat import NotebookNode
# isort: on

from mlops_course import settings

BEGIN_SOLUTION = "BEGIN SOLUTION"
END_SOLUTION = "END SOLUTION"
BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
NETWORK_POLICIES = ("none", "host")
DEFAULT_MEMORY_MB = 2048
MIN_GRADING_SECONDS = 60.0


class LabError(ValueError):
    """A lab, one of its notebooks or one of its mutants is missing or malformed."""


@dataclass(frozen=True)
class LabSettings:
    """How a lab's notebook is run when it is graded (from `metadata.mlops_course`)."""

    budget_seconds: float
    grading_seconds: float
    network: str = "none"
    memory_mb: int = DEFAULT_MEMORY_MB
    preload: tuple[str, ...] | None = None

    @classmethod
    def from_notebook(cls, nb: NotebookNode, where: str = "notebook") -> LabSettings:
        meta = dict(nb.metadata.get("mlops_course", {}))
        budget = float(meta.get("budget_seconds", settings.DEFAULT_LAB_BUDGET))
        grading = float(meta.get("grading_seconds", max(3 * budget, MIN_GRADING_SECONDS)))
        network = meta.get("network", "none")
        if network not in NETWORK_POLICIES:
            raise LabError(
                f"{where}: metadata mlops_course.network is {network!r}; use one of "
                f"{', '.join(NETWORK_POLICIES)}."
            )
        preload = meta.get("preload")
        if preload is not None and not (
            isinstance(preload, list) and all(isinstance(m, str) for m in preload)
        ):
            raise LabError(
                f"{where}: metadata mlops_course.preload must be a list of module names."
            )
        return cls(
            budget_seconds=budget,
            grading_seconds=grading,
            network=network,
            memory_mb=int(meta.get("memory_mb", DEFAULT_MEMORY_MB)),
            preload=tuple(preload) if preload is not None else None,
        )


# --- cell roles -------------------------------------------------------------------------------


def nbgrader_meta(cell: NotebookNode) -> dict[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell: NotebookNode) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def is_answer(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and bool(nbgrader_meta(cell).get("solution"))


def is_test(cell: NotebookNode) -> bool:
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_locked(cell: NotebookNode) -> bool:
    """nbgrader's rule: grade cells that are not solutions are locked, and so are `locked` cells."""
    meta = nbgrader_meta(cell)
    if not meta or meta.get("solution"):
        return False
    return bool(meta.get("grade") or meta.get("locked"))


def points(cell: NotebookNode) -> float:
    return float(nbgrader_meta(cell).get("points", 0) or 0)


def cells_by_id(nb: NotebookNode) -> dict[str, NotebookNode]:
    return {gid: cell for cell in nb.cells if (gid := grade_id(cell))}


# --- source text ------------------------------------------------------------------------------


def _regions(source: str, begin: str, end: str) -> tuple[list[str], list[str]]:
    """Split a cell's lines into (outside, inside) a delimited region; markers belong to neither."""
    outside, inside, within = [], [], False
    for line in source.split("\n"):
        if begin in line:
            within = True
        elif end in line:
            within = False
        elif within:
            inside.append(line)
        else:
            outside.append(line)
    return outside, inside


def without_markers(source: str) -> str:
    """An answer as a student who got it right would write it: the solution, no delimiters."""
    return "\n".join(
        line
        for line in source.split("\n")
        if BEGIN_SOLUTION not in line and END_SOLUTION not in line
    )


def solution_lines(source: str) -> list[str]:
    return _regions(source, BEGIN_SOLUTION, END_SOLUTION)[1]


def hidden_lines(source: str) -> list[str]:
    return _regions(source, BEGIN_HIDDEN, END_HIDDEN)[1]


def without_hidden(source: str) -> str:
    return "\n".join(_regions(source, BEGIN_HIDDEN, END_HIDDEN)[0])


def _parse_cell(source: str) -> ast.Module:
    """A code cell as Python: IPython magics and shell escapes dropped, top-level await allowed."""
    lines = [
        "" if line.lstrip().startswith(("%", "!")) else line
        for line in without_markers(source).split("\n")
    ]
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    return compile("\n".join(lines), "<cell>", "exec", flags=flags, dont_inherit=True)


def defined_names(source: str) -> set[str]:
    """Functions, classes and variables a cell defines at top level."""
    try:
        tree = _parse_cell(source)
    except SyntaxError:
        found = re.findall(r"^(?:async\s+)?(?:def|class)\s+(\w+)|^(\w+)\s*=", source, re.M)
        return {name for pair in found for name in pair if name}
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
    return names


def referenced_names(source: str) -> set[str]:
    """Every name a cell reads (used to tell which answer a test cell checks)."""
    try:
        tree = _parse_cell(source)
    except SyntaxError:
        return set(re.findall(r"[A-Za-z_]\w*", source))
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def tests_naming(nb: NotebookNode, answer_id: str) -> set[str]:
    """Ids of the test cells that name an answer cell. A test names an answer when it
    - belongs to the answer's question (it follows the answer, before the next answer), or
    - uses a function, class or variable the answer defines, or
    - mentions the answer's cell id (e.g. a comment `# checks q2_answer`), or
    - lists it in its metadata: `"mlops_course": {"checks": ["q2_answer"]}`.
    Tests of files an answer writes name it by position or by one of the last two.
    """
    cells = nb.cells
    index = next((i for i, c in enumerate(cells) if grade_id(c) == answer_id), None)
    if index is None:
        return set()
    names = defined_names(cells[index].source)
    found = set()
    for later in cells[index + 1 :]:
        if is_answer(later):
            break
        if is_test(later):
            found.add(grade_id(later))
    for cell in cells:
        if not is_test(cell):
            continue
        checks = cell.get("metadata", {}).get("mlops_course", {}).get("checks", [])
        if (
            names & referenced_names(cell.source)
            or re.search(rf"\b{re.escape(answer_id)}\b", cell.source)
            or answer_id in checks
        ):
            found.add(grade_id(cell))
    return found


# --- labs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    """A plausible wrong answer shipped with a lab (see the module docstring for the format)."""

    name: str
    path: Path
    doc: str
    replacements: dict[str, str]
    loses: tuple[str, ...] = ()


def load_mutant(path: Path) -> Mutant:
    """Read a mutant file without running it: its docstring and two literal assignments."""
    where = str(path)
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=where)
    except SyntaxError as err:
        raise LabError(f"{where}: not valid Python ({err.msg}, line {err.lineno}).") from err
    doc = ast.get_docstring(tree) or ""
    values: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in ("REPLACEMENTS", "LOSES"):
                try:
                    values[target.id] = ast.literal_eval(node.value)
                except ValueError as err:
                    raise LabError(f"{where}: {target.id} must be a literal.") from err
    replacements = values.get("REPLACEMENTS")
    if not doc.strip():
        raise LabError(f"{where}: start the file with a docstring saying what the mistake is.")
    if (
        not isinstance(replacements, dict)
        or not replacements
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in replacements.items())
    ):
        raise LabError(f"{where}: REPLACEMENTS must map cell ids to replacement sources.")
    loses = values.get("LOSES", [])
    if not isinstance(loses, list | tuple) or not all(isinstance(x, str) for x in loses):
        raise LabError(f"{where}: LOSES must be a list of test cell ids.")
    return Mutant(path.stem, path, doc.strip(), dict(replacements), tuple(loses))


@dataclass(frozen=True)
class Lab:
    """One lab: `solutions/<name>/*.ipynb` and its release `labs/<name>/`."""

    name: str
    source_dir: Path
    release_dir: Path

    @property
    def notebooks(self) -> list[str]:
        """Notebook names (without .ipynb), as nbgrader finds them: directly in the lab folder."""
        return sorted(p.stem for p in self.source_dir.glob("*.ipynb"))

    def source_path(self, notebook: str) -> Path:
        return self.source_dir / f"{notebook}.ipynb"

    def release_path(self, notebook: str) -> Path:
        return self.release_dir / f"{notebook}.ipynb"

    def source(self, notebook: str) -> NotebookNode:
        return nbformat.read(self.source_path(notebook), as_version=4)

    def settings(self, notebook: str | None = None) -> LabSettings:
        """The settings of one notebook, or the strictest over all of the lab's notebooks."""
        names = [notebook] if notebook else self.notebooks
        found = [LabSettings.from_notebook(self.source(n), f"{self.name}/{n}.ipynb") for n in names]
        if len(found) == 1:
            return found[0]
        preload = tuple(dict.fromkeys(m for s in found for m in (s.preload or ())))
        return LabSettings(
            budget_seconds=sum(s.budget_seconds for s in found),
            grading_seconds=sum(s.grading_seconds for s in found),
            network="host" if any(s.network == "host" for s in found) else "none",
            memory_mb=max(s.memory_mb for s in found),
            preload=preload if any(s.preload is not None for s in found) else None,
        )

    @property
    def mutants_dir(self) -> Path:
        return self.source_dir / "mutants"

    def mutants(self) -> list[Mutant]:
        return [load_mutant(p) for p in sorted(self.mutants_dir.glob("*.py"))]

    def extra_files(self) -> dict[str, bytes]:
        """Non-notebook files nbgrader copies next to every graded notebook (data, helpers)."""
        skip = {".ipynb_checkpoints", "__pycache__", "mutants", "feedback"}
        files = {}
        for path in sorted(self.source_dir.rglob("*")):
            rel = path.relative_to(self.source_dir)
            if path.is_dir() or set(rel.parts) & skip or path.suffix in (".ipynb", ".pyc"):
                continue
            files[rel.as_posix()] = path.read_bytes()
        return files


def find_labs(solutions: Path | None = None, labs: Path | None = None) -> list[Lab]:
    """Every folder of `solutions/` that holds at least one notebook, sorted by name."""
    solutions = solutions or settings.SOLUTIONS_DIR
    labs = labs or settings.LABS_DIR
    if not solutions.is_dir():
        return []
    return [
        Lab(folder.name, folder, labs / folder.name)
        for folder in sorted(solutions.iterdir())
        if folder.is_dir() and any(folder.glob("*.ipynb"))
    ]


def get_lab(name: str, solutions: Path | None = None, labs: Path | None = None) -> Lab:
    """The lab called `name` (its folder name, e.g. `00-start-here`)."""
    found = find_labs(solutions, labs)
    for lab in found:
        if lab.name == name:
            return lab
    names = ", ".join(lab.name for lab in found) or "none"
    raise LabError(
        f"No lab called {name!r} in {solutions or settings.SOLUTIONS_DIR}. Labs: {names}."
    )


# --- building submissions from the source ---------------------------------------------------


def answers(source_nb: NotebookNode) -> dict[str, str]:
    """The correct answer of every answer cell, as a student would write it."""
    return {grade_id(c): without_markers(c.source) for c in source_nb.cells if is_answer(c)}


def with_sources(
    nb: NotebookNode, sources: dict[str, str], where: str = "notebook"
) -> NotebookNode:
    """A copy of `nb` whose cells named in `sources` (by grade_id) have the given source."""
    out = copy.deepcopy(nb)
    by_id = cells_by_id(out)
    missing = sorted(set(sources) - set(by_id))
    if missing:
        raise LabError(f"{where}: no cell with id {', '.join(missing)}.")
    for gid, text in sources.items():
        by_id[gid].source = text
    return out


def solved(release_nb: NotebookNode, source_nb: NotebookNode) -> NotebookNode:
    """The release with every answer filled in correctly: what a perfect student submits."""
    return with_sources(release_nb, answers(source_nb))


def stub_of(release_nb: NotebookNode, cell_id: str) -> str:
    return cells_by_id(release_nb)[cell_id].source
