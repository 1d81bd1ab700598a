"""One linter, configured in pyproject.toml, clean over the whole course."""

from __future__ import annotations

import subprocess
import sys

from mlops_course import settings


def test_ruff_finds_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."], cwd=settings.REPO_ROOT,
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
