"""The notebook harness: execute notebooks with papermill in fast mode and keep them within budget.

Every walkthrough (`sprints/`) and every nbgrader source notebook (`solutions/`) has a cell
tagged `parameters` with at least `FAST`. The harness runs each one in its own folder, records
how long every cell took, and fails a notebook that runs over its budget: 60 s by default,
or `metadata.mlops_course.budget_seconds` when a walkthrough declares its own.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from mlops_course import settings


class NotebookError(RuntimeError):
    """A notebook is malformed, failed, or ran over its budget."""


class BudgetExceeded(NotebookError):
    """A notebook took longer than its runtime budget."""


@dataclass
class Timing:
    """How long one notebook took, cell by cell."""

    notebook: str
    seconds: float
    budget: float
    cells: list[dict[str, Any]] = field(default_factory=list)

    @property
    def over_budget(self) -> bool:
        return self.seconds > self.budget


def find_notebooks(root: Path | None = None) -> list[Path]:
    """Walkthroughs under `sprints/` and nbgrader sources under `solutions/`, sorted."""
    roots = [settings.SPRINTS_DIR, settings.SOLUTIONS_DIR] if root is None else [root]
    found: list[Path] = []
    for folder in roots:
        for path in folder.rglob("*.ipynb"):
            parts = set(path.relative_to(folder).parts)
            if ".ipynb_checkpoints" in parts or "mutants" in parts:
                continue
            found.append(path)
    return sorted(found)


def budget_of(path: Path) -> float:
    """The notebook's runtime budget in fast mode, in seconds."""
    nb = nbformat.read(path, as_version=4)
    declared = nb.metadata.get("mlops_course", {}).get("budget_seconds")
    return float(declared) if declared is not None else settings.DEFAULT_LAB_BUDGET


def check_parameters_cell(path: Path) -> None:
    """Raise `NotebookError` unless a code cell tagged `parameters` sets FAST."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            if "FAST" in cell.source:
                return
            raise NotebookError(f"{path}: the `parameters` cell does not define FAST.")
    raise NotebookError(
        f"{path}: no code cell is tagged `parameters`. Add one with `FAST = False` so CI can "
        "run the notebook in fast mode."
    )


def execute(
    path: Path,
    output: Path,
    *,
    parameters: dict[str, Any] | None = None,
    budget: float | None = None,
    cwd: Path | None = None,
) -> Timing:
    """Run a notebook with papermill in fast mode; return its timings.

    Raises `NotebookError` naming the notebook when a cell fails, and `BudgetExceeded`
    (after the run, with the timings attached) when it took longer than its budget.
    """
    import papermill

    check_parameters_cell(path)
    budget = budget_of(path) if budget is None else budget
    output.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(path), str(output), parameters={"FAST": True, **(parameters or {})},
            cwd=str(cwd or path.parent), kernel_name="python3", language="python",
            progress_bar=False,
            log_output=False, request_save_on_cell_execute=False,
        )
    except papermill.PapermillExecutionError as err:
        raise NotebookError(
            f"{settings.display_path(path)} failed in cell {err.cell_index}: "
            f"{err.ename}: {err.evalue}"
        ) from err
    seconds = time.perf_counter() - started
    executed = nbformat.read(output, as_version=4)
    cells = [
        {"index": i, "seconds": round(cell.metadata.get("papermill", {}).get("duration") or 0, 3)}
        for i, cell in enumerate(executed.cells)
        if cell.cell_type == "code"
    ]
    timing = Timing(settings.display_path(path), round(seconds, 2), budget, cells)
    if timing.over_budget:
        raise BudgetExceeded(
            f"{timing.notebook} took {timing.seconds:.1f} s in fast mode, over its budget of "
            f"{budget:.0f} s. Slowest cells: "
            + ", ".join(f"#{c['index']} {c['seconds']:.1f} s" for c in _slowest(cells))
        )
    return timing


def _slowest(cells: list[dict[str, Any]], n: int = 3) -> list[dict[str, Any]]:
    return sorted(cells, key=lambda c: c["seconds"], reverse=True)[:n]


def record(timings: list[Timing], path: Path) -> None:
    """Merge timings into a JSON file keyed by notebook (the file other runs also update)."""
    existing: dict[str, Any] = {}
    if path.is_file():
        existing = json.loads(path.read_text())
    for timing in timings:
        existing[timing.notebook] = asdict(timing)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n")
