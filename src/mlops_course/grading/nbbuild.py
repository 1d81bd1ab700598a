"""Building nbgrader notebooks in code: cell metadata and a notebook with a Python kernelspec.

For the tests and benchmarks that build a course of their own (an instructor's notebooks, then
`nbgrader generate_assignment`) rather than use this course's labs. Cheap to import.
"""

from __future__ import annotations

from typing import Any

import nbformat
from nbformat.v4 import new_notebook

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def cell_meta(
    grade_id: str,
    *,
    solution: bool = False,
    grade: bool = False,
    locked: bool = False,
    points: float = 0,
) -> dict[str, Any]:
    """A cell's `metadata` as nbgrader's create-assignment toolbar writes it (schema 3).

    An answer cell: `solution=True`; a test cell: `grade=True, locked=True, points=n`; a cell
    students must not change: `locked=True`. `points` is written for graded cells only.
    """
    meta: dict[str, Any] = {
        "grade_id": grade_id,
        "solution": solution,
        "grade": grade,
        "locked": locked,
    }
    if grade:
        meta["points"] = points
    return {"nbgrader": {**meta, "schema_version": 3}}


def notebook(cells: list) -> nbformat.NotebookNode:
    """A v4 notebook of `cells` with the Python 3 kernelspec nbgrader's converters expect."""
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    return nb
