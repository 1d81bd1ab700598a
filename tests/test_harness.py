"""The notebook harness: fast mode, timings, and budgets."""

from __future__ import annotations

import json

import nbformat
import pytest

from mlops_course import notebooks


def make_notebook(path, body: str, budget: float | None = None, tagged: bool = True):
    params = nbformat.v4.new_code_cell("FAST = False")
    if tagged:
        params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell(body)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    if budget is not None:
        nb.metadata["mlops_course"] = {"budget_seconds": budget}
    nbformat.write(nb, path)
    return path


def test_notebook_without_parameters_cell_is_refused(tmp_path):
    path = make_notebook(tmp_path / "untagged.ipynb", "pass", tagged=False)
    with pytest.raises(notebooks.NotebookError, match="tagged `parameters`"):
        notebooks.check_parameters_cell(path)


def test_declared_budget_overrides_the_default(tmp_path):
    path = make_notebook(tmp_path / "nb.ipynb", "pass", budget=7)
    assert notebooks.budget_of(path) == 7.0
    assert notebooks.budget_of(make_notebook(tmp_path / "d.ipynb", "pass")) == 60.0


@pytest.mark.slow
def test_fast_mode_is_injected_and_timings_are_recorded(tmp_path):
    path = make_notebook(tmp_path / "ok.ipynb", "assert FAST is True")
    timing = notebooks.execute(path, tmp_path / "out" / "ok.ipynb")
    assert timing.seconds > 0 and len(timing.cells) >= 2
    record = tmp_path / "timings.json"
    notebooks.record([timing], record)
    saved = json.loads(record.read_text())
    assert saved[timing.notebook]["cells"] == timing.cells


@pytest.mark.slow
def test_notebook_over_budget_fails_with_its_name_and_time(tmp_path):
    path = make_notebook(tmp_path / "slow_lab.ipynb", "import time; time.sleep(1.5)", budget=1)
    with pytest.raises(notebooks.BudgetExceeded) as err:
        notebooks.execute(path, tmp_path / "out.ipynb")
    message = str(err.value)
    assert "slow_lab.ipynb" in message
    assert "over its budget of 1 s" in message
    assert "took" in message


@pytest.mark.slow
def test_failing_cell_is_reported_with_notebook_and_cell(tmp_path):
    path = make_notebook(tmp_path / "broken.ipynb", "raise ValueError('no data')")
    with pytest.raises(notebooks.NotebookError, match=r"broken.ipynb failed in cell \d+.*no data"):
        notebooks.execute(path, tmp_path / "out.ipynb")
