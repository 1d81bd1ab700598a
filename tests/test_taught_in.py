"""Every lab answer names the walkthrough section that teaches its technique, and it exists.

A lab never grades a skill no walkthrough shows: each answer cell carries
`metadata.mlops_course.taught_in`, a list of `sprints/<sprint>/<notebook>.ipynb#<anchor>`, where
the anchor is a Markdown heading of that notebook slugified the way GitHub and JupyterLab do
(lower case, punctuation dropped, spaces to hyphens).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

from mlops_course import settings
from mlops_course.grading.lab import find_labs

HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.M)


def slug(heading: str) -> str:
    text = re.sub(r"[`*_]", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    nb = nbformat.read(path, as_version=4)
    return frozenset(
        slug(h) for c in nb.cells if c.cell_type == "markdown" for h in HEADING.findall(c.source)
    )


def answer_cells() -> list[tuple[str, str, list[str] | None]]:
    found = []
    for lab in find_labs():
        for name in lab.notebooks:
            nb = nbformat.read(lab.source_path(name), as_version=4)
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if cell.cell_type == "code" and meta.get("solution"):
                    taught = cell.metadata.get("mlops_course", {}).get("taught_in")
                    found.append((lab.name, meta["grade_id"], taught))
    return found


def test_slugs_follow_githubs_rule():
    assert slug("## 2. The running use case: hourly bike rentals".lstrip("# ")) == (
        "2-the-running-use-case-hourly-bike-rentals"
    )
    assert slug("Writing a load-test harness with `asyncio`") == (
        "writing-a-load-test-harness-with-asyncio"
    )


@pytest.mark.parametrize("lab, cell, taught", answer_cells(), ids=lambda v: str(v))
def test_every_answer_names_an_existing_walkthrough_section(lab, cell, taught):
    assert taught, f"{lab} {cell}: add metadata.mlops_course.taught_in (see this file's docstring)"
    for ref in taught:
        path, _, anchor = ref.partition("#")
        notebook = settings.REPO_ROOT / path
        assert path.startswith("sprints/") and notebook.is_file(), f"{lab} {cell}: no {path}"
        assert anchor in anchors(notebook), (
            f"{lab} {cell}: {path} has no heading whose anchor is #{anchor}; headings: "
            f"{sorted(anchors(notebook))}"
        )
