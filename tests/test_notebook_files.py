"""Notebooks as files: no outputs in git, a parameters cell in every executed notebook."""

from __future__ import annotations

import subprocess

import nbformat
import pytest

from mlops_course import notebooks, settings


def tracked_notebooks() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "*.ipynb"], cwd=settings.REPO_ROOT, capture_output=True, text=True,
        check=True,
    ).stdout.split()
    return listed


@pytest.mark.parametrize("path", tracked_notebooks())
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(settings.REPO_ROOT / path, as_version=4)
    dirty = [
        i for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, (
        f"{path} has stored outputs in cells {dirty}: run `nbstripout {path}` "
        "(or `pre-commit install` once so it happens on every commit)"
    )


@pytest.mark.parametrize(
    "path", notebooks.find_notebooks(), ids=lambda p: str(p.relative_to(settings.REPO_ROOT))
)
def test_notebook_has_a_fast_parameters_cell(path):
    notebooks.check_parameters_cell(path)


def test_a_notebook_with_outputs_is_caught(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nb.cells[0].outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "2"})]
    path = tmp_path / "dirty.ipynb"
    nbformat.write(nb, path)
    result = subprocess.run(
        [str(settings.REPO_ROOT / ".venv" / "bin" / "nbstripout"), "--verify", str(path)],
        capture_output=True, text=True,
    )
    assert result.returncode != 0  # the pre-commit hook's check refuses it
