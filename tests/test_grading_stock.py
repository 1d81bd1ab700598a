"""The engine's per-cell scores are stock `nbgrader autograde`'s, on the whole synthetic cohort."""

from __future__ import annotations

import os
import shutil

import pytest

from mlops_course.grading import gradebook, stock

from .conftest import GRADING_TEST_LIMITS

pytestmark = pytest.mark.slow


@pytest.mark.skipif(
    os.getuid() != 0 or not shutil.which("bwrap"),
    reason="stock nbgrader meets a fork bomb here: it runs jailed, as root",
)
def test_per_cell_scores_are_identical_to_stock_nbgrader(graded_cohort, tmp_path):
    lab = graded_cohort["lab"]
    runs = stock.autograde_in_parts(
        lab,
        graded_cohort["folder"],
        tmp_path / "stock",
        parts=2,
        jail=True,
        cell_seconds=GRADING_TEST_LIMITS["cell_seconds"],
        memory_mb=4096,
        processes=128,
        timeout=1200,
    )
    theirs = stock.cell_scores(runs, lab)
    ours = gradebook.cell_scores(graded_cohort["out"] / "gradebook.db", lab.name)
    # A student stock nbgrader records no submission for (no notebook at all) scores 0 there.
    keys = set(ours) | set(theirs)
    assert {student for student, _, _ in keys} == set(graded_cohort["manifest"])
    different = {
        k: (ours.get(k, 0.0), theirs.get(k, 0.0))
        for k in sorted(keys)
        if ours.get(k, 0.0) != theirs.get(k, 0.0)
    }
    logs = "\n".join(
        f"--- stock share {i} (exit {run.returncode}):\n{run.log[-2000:]}"
        for i, run in enumerate(runs)
    )
    assert not different, f"(student, notebook, cell): (engine, stock) differ: {different}\n{logs}"
    assert len(keys) == 3 * len(graded_cohort["manifest"])
