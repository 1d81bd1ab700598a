"""Every walkthrough and every lab source runs top to bottom in fast mode, within budget."""

from __future__ import annotations

import pytest

from mlops_course import notebooks, settings

ALL = notebooks.find_notebooks()


@pytest.mark.slow
@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(settings.REPO_ROOT)))
def test_notebook_runs_in_fast_mode_within_budget(path, workspace, artifacts, tmp_path):
    timing = notebooks.execute(path, tmp_path / path.name)
    notebooks.record([timing], artifacts / "notebook-timings.json")
