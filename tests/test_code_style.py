"""One linter, configured in pyproject.toml, clean over the whole course."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from mlops_course import settings

COMPLEXITY_RULES = {"C901", "PLR0911", "PLR0912", "PLR0913", "PLR0915"}


def _lint_config(pyproject):
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]


def test_ruff_finds_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."], cwd=settings.REPO_ROOT,
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_course_and_the_template_hold_functions_to_the_same_size_rules():
    course = _lint_config(settings.REPO_ROOT / "pyproject.toml")
    template = _lint_config(settings.TEMPLATE_DIR / "pyproject.toml")
    for name, lint in (("pyproject.toml", course), ("project_template/pyproject.toml", template)):
        missing = COMPLEXITY_RULES - set(lint["select"])
        assert not missing, f"{name} does not select {sorted(missing)}"
    assert course["mccabe"] == template["mccabe"], "max-complexity differs between the two"
    assert course["pylint"] == template["pylint"], "the PLR09 thresholds differ between the two"


def test_every_exception_to_the_size_rules_says_why():
    for pyproject in (settings.REPO_ROOT, settings.TEMPLATE_DIR):
        pyproject = pyproject / "pyproject.toml"
        lines = pyproject.read_text(encoding="utf-8").splitlines()
        start = lines.index("[tool.ruff.lint.per-file-ignores]")
        for i in range(start + 1, len(lines)):
            if lines[i].startswith("["):
                break
            if "=" in lines[i] and not lines[i].startswith("#"):
                assert lines[i - 1].startswith("#"), f"{pyproject.name}: no reason above {lines[i]}"
