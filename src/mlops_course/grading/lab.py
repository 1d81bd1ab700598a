"""What a lab is: its nbgrader source in `solutions/<lab>/`, its release in `labs/<lab>/`, the role
of every cell, the lab's grading settings, and its mutants and alternatives.

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

Mutants and alternatives are variants of the solution, one file per variant:
`solutions/<lab>/mutants/` holds plausible wrong answers (each must lose points),
`solutions/<lab>/alternatives/` correct answers written differently (each must score full
marks). A variant states how its answer differs from the solution's answer cell:

    \"\"\"Sums the rentals of each year instead of averaging them per hour.\"\"\"

    EDITS = {
        "q2_answer": [('["cnt"].mean()', '["cnt"].sum()')],
    }
    LOSES = ["q2_test"]  # mutants only, optional: test cells that must lose points

The docstring says what the mistake (or the other way of answering) is. `EDITS` maps an answer
cell id (`grade_id`, or `notebook/grade_id` when the lab has several notebooks) to (old, new)
pairs applied in order to the solution's answer as a student writes it (the source cell with
its BEGIN/END SOLUTION lines dropped): each `old` must occur exactly once in the text as the
previous pairs left it, else the variant fails to load, naming the file, the cell and the text,
so a changed solution never leaves a variant silently stale. `REPLACEMENTS = {cell id: whole
source}` remains for an answer that shares almost nothing with the solution: it is accepted only
when an edit would have to quote more lines than the replacement has. A variant file is read,
never imported or run by the grader.
"""

from __future__ import annotations

import ast
import copy
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# isort: off
from mlops_course.grading import config  # noqa: F401 - first: it keeps nbformat's import cheap
import nbformat
from nbformat import NotebookNode
# isort: on

from mlops_course import settings
from mlops_course.grading import GradingError

BEGIN_SOLUTION = "BEGIN SOLUTION"
END_SOLUTION = "END SOLUTION"
BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"
NETWORK_POLICIES = ("none", "host")
DEFAULT_MEMORY_MB = 2048
MIN_GRADING_SECONDS = 60.0


class LabError(GradingError, ValueError):
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


def cell_name(cell: NotebookNode, index: int | None) -> str:
    """A cell as feedback and statuses name it: its nbgrader id, else its position."""
    return grade_id(cell) or f"cell {(index or 0) + 1}"


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


Edit = tuple[str, str]
VARIANT_KINDS = ("mutant", "alternative")


class VariantError(LabError):
    """A mutant or alternative file that cannot be read, or no longer applies to its solution."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


@dataclass(frozen=True)
class Mutant:
    """A mutant or an alternative of a lab (see the module docstring for the file format).

    `replacements` is what the variant's submission holds: the whole source of every cell it
    changes (its EDITS applied to the solution, or its REPLACEMENTS), keyed as the file keys it.
    """

    name: str
    path: Path
    doc: str
    replacements: dict[str, str]
    loses: tuple[str, ...] = ()


Alternative = Mutant  # the same shape; an alternative has no LOSES


@dataclass(frozen=True)
class _VariantFile:
    """A variant file as written, before its edits are applied."""

    doc: str
    edits: dict[str, list[Edit]]
    whole: dict[str, str]
    loses: tuple[str, ...]


def _literals(path: Path) -> tuple[str, dict[str, Any]]:
    """The docstring and the literal EDITS / REPLACEMENTS / LOSES of a file, without running it."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as err:
        raise VariantError(path, f"not valid Python ({err.msg}, line {err.lineno}).") from err
    values: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in ("EDITS", "REPLACEMENTS", "LOSES"):
                try:
                    values[target.id] = ast.literal_eval(node.value)
                except ValueError as err:
                    raise VariantError(path, f"{target.id} must be a literal.") from err
    return ast.get_docstring(tree) or "", values


def _checked_edits(path: Path, raw: Any) -> dict[str, list[Edit]]:
    """EDITS as {cell: [(old, new), ...]}, or a VariantError saying what is malformed."""
    shape = "EDITS must map cell ids to lists of (old, new) string pairs."
    if not isinstance(raw, dict):
        raise VariantError(path, shape)
    edits: dict[str, list[Edit]] = {}
    for cell, pairs in raw.items():
        if not isinstance(cell, str) or not isinstance(pairs, list | tuple) or not pairs:
            raise VariantError(path, shape)
        for pair in pairs:
            if not (
                isinstance(pair, list | tuple)
                and len(pair) == 2
                and all(isinstance(x, str) for x in pair)
            ):
                raise VariantError(path, f"{shape} {cell}: {pair!r} is not one.")
            if not pair[0]:
                raise VariantError(path, f"{cell}: an edit with an empty `old` names no place.")
            if pair[0] == pair[1]:
                raise VariantError(path, f"{cell}: the edit of {_quote(pair[0])} changes nothing.")
        edits[cell] = [(old, new) for old, new in pairs]
    return edits


def read_variant(path: Path, kind: str = "mutant") -> _VariantFile:
    """Parse a mutant or alternative file (its edits are not applied yet)."""
    doc, values = _literals(path)
    if not doc.strip():
        raise VariantError(path, f"start the file with a docstring saying what the {kind} is.")
    edits = _checked_edits(path, values.get("EDITS", {}))
    whole = values.get("REPLACEMENTS", {})
    if not isinstance(whole, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in whole.items()
    ):
        raise VariantError(path, "REPLACEMENTS must map cell ids to whole sources.")
    if not edits and not whole:
        raise VariantError(path, "no EDITS: say which answer cell changes and how.")
    both = sorted(set(edits) & set(whole))
    if both:
        raise VariantError(path, f"{', '.join(both)}: in both EDITS and REPLACEMENTS; keep one.")
    loses = values.get("LOSES", [])
    if not isinstance(loses, list | tuple) or not all(isinstance(x, str) for x in loses):
        raise VariantError(path, "LOSES must be a list of test cell ids.")
    if loses and kind == "alternative":
        raise VariantError(path, "an alternative is a correct answer: it loses nothing (no LOSES).")
    return _VariantFile(doc.strip(), edits, dict(whole), tuple(loses))


def _quote(text: str, limit: int = 80) -> str:
    """`text` as a short repr for an error message."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def apply_edits(source: str, edits: Sequence[Edit], path: Path, cell: str) -> str:
    """`source` with every (old, new) applied in order; each `old` must occur exactly once."""
    for number, (old, new) in enumerate(edits, 1):
        found = source.count(old)
        if found != 1:
            problem = (
                "is not in the solution's answer (did the solution change? re-derive the edit "
                "from the docstring)"
                if not found
                else f"occurs {found} times (ambiguous: add context so it names one place)"
            )
            raise VariantError(path, f"{cell}, edit {number}: the text {_quote(old)} {problem}.")
        source = source.replace(old, new, 1)
    return source


def edit_lines(solution: str, replacement: str) -> int:
    """How many lines (old plus new, no context) an edit turning `solution` into
    `replacement` must quote: REPLACEMENTS is only for answers where this beats copying."""
    matcher = difflib.SequenceMatcher(
        None, solution.splitlines(), replacement.splitlines(), autojunk=False
    )
    return sum(
        (i2 - i1) + (j2 - j1)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    )


def load_variant(path: Path, answers: Mapping[str, str], kind: str = "mutant") -> Mutant:
    """A variant file applied to the lab's answers (`Lab.answer_sources()`): what it submits."""
    written = read_variant(path, kind)
    sources: dict[str, str] = {}
    for cell in list(written.edits) + list(written.whole):
        if cell not in answers:
            raise VariantError(
                path, f"names cell {cell!r}, which is not an answer cell of the lab."
            )
    for cell, edits in written.edits.items():
        sources[cell] = apply_edits(answers[cell], edits, path, cell)
    for cell, text in written.whole.items():
        lines, needed = len(text.splitlines()), edit_lines(answers[cell], text)
        if needed < lines:
            raise VariantError(
                path,
                f"{cell}: REPLACEMENTS copies the solution ({lines} lines where EDITS would "
                f"quote {needed}); state the change as EDITS so it cannot go stale.",
            )
        sources[cell] = text
    return Mutant(path.stem, path, written.doc, sources, written.loses)


def load_mutant(path: Path, answers: Mapping[str, str]) -> Mutant:
    return load_variant(path, answers, "mutant")


def load_alternative(path: Path, answers: Mapping[str, str]) -> Alternative:
    return load_variant(path, answers, "alternative")


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

    @property
    def alternatives_dir(self) -> Path:
        return self.source_dir / "alternatives"

    def variant_dir(self, kind: str) -> Path:
        return self.mutants_dir if kind == "mutant" else self.alternatives_dir

    def answer_sources(self) -> dict[str, str]:
        """Every answer as a student who got it right writes it, under each key a variant may
        use: `notebook/cell`, and `cell` alone when no other notebook has that id."""
        found: dict[str, str] = {}
        owners: dict[str, list[str]] = {}
        for nb_name in self.notebooks:
            for cell, text in answers(self.source(nb_name)).items():
                found[f"{nb_name}/{cell}"] = text
                owners.setdefault(cell, []).append(text)
        found.update({cell: texts[0] for cell, texts in owners.items() if len(texts) == 1})
        return found

    def variants(self, kind: str) -> list[Mutant]:
        """The lab's mutants or alternatives, applied to its solution (VariantError if one
        does not apply)."""
        sources = self.answer_sources()
        paths = sorted(self.variant_dir(kind).glob("*.py"))
        return [load_variant(path, sources, kind) for path in paths]

    def mutants(self) -> list[Mutant]:
        return self.variants("mutant")

    def alternatives(self) -> list[Alternative]:
        return self.variants("alternative")

    def extra_files(self) -> dict[str, bytes]:
        """Non-notebook files nbgrader copies next to every graded notebook (data, helpers)."""
        skip = {".ipynb_checkpoints", "__pycache__", "mutants", "alternatives", "feedback"}
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
