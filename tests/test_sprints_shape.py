"""Every sprint folder has the same shape: a README with the same sections, and walkthroughs that
start with a parameters cell and end with a questionnaire and a link to what comes next."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from mlops_course import settings

# The README sections every sprint has, in this order, as level-2 headings.
README_SECTIONS = [
    "Objectives",
    "Prerequisites",
    "Time",
    "Concepts",
    "Project work package",
    "Further reading",
]
SPRINT_FOLDER = re.compile(r"^\d\d-[a-z0-9-]+$")
LINK = re.compile(r"\[[^\]]+\]\(([^)\s]+)\)")


def sprint_folders() -> list[Path]:
    return sorted(p for p in settings.SPRINTS_DIR.iterdir() if p.is_dir() and
                  SPRINT_FOLDER.match(p.name))


def walkthroughs() -> list[Path]:
    return sorted(
        p for folder in sprint_folders() for p in folder.glob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    )


def _id(path: Path) -> str:
    return str(path.relative_to(settings.SPRINTS_DIR))


def _markdown(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


def _target_exists(source: Path, link: str) -> bool:
    if re.match(r"^[a-z]+://", link) or link.startswith("#"):
        return True
    return (source.parent / link.split("#", 1)[0]).exists()


def test_sprint_folders_are_numbered_and_start_at_00():
    names = [folder.name for folder in sprint_folders()]
    assert names and names[0].startswith("00-"), f"expected a 00 sprint first, got {names}"
    numbers = [int(name[:2]) for name in names]
    assert numbers == sorted(set(numbers)), f"sprint numbers repeat or are out of order: {names}"


@pytest.mark.parametrize("folder", sprint_folders(), ids=lambda p: p.name)
def test_every_sprint_has_a_readme_with_the_required_sections_in_order(folder: Path):
    readme = folder / "README.md"
    assert readme.is_file(), f"{folder.name} has no README.md"
    headings = re.findall(r"^## (.+?)\s*$", readme.read_text(encoding="utf-8"), re.M)
    found = [h for h in headings if h in README_SECTIONS]
    assert found == README_SECTIONS, (
        f"{folder.name}/README.md: expected the sections {README_SECTIONS} in this order as "
        f"'## ' headings, found {found}"
    )


@pytest.mark.parametrize("folder", sprint_folders(), ids=lambda p: p.name)
def test_every_sprint_has_at_least_one_walkthrough(folder: Path):
    assert list(folder.glob("*.ipynb")), f"{folder.name} has no walkthrough notebook"


@pytest.mark.parametrize("folder", sprint_folders(), ids=lambda p: p.name)
def test_readme_links_point_at_files_that_exist_or_at_labs(folder: Path):
    readme = folder / "README.md"
    if not readme.is_file():
        pytest.skip("no README (reported by another test)")
    broken = [
        link for link in LINK.findall(readme.read_text(encoding="utf-8"))
        if not _target_exists(readme, link) and "/labs/" not in link
    ]
    assert not broken, f"{folder.name}/README.md links to missing files: {broken}"


@pytest.mark.parametrize("path", walkthroughs(), ids=_id)
def test_walkthrough_has_a_parameters_cell_with_fast(path: Path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if c.cell_type == "code"
              and "parameters" in c.metadata.get("tags", [])]
    assert tagged, f"{_id(path)}: no code cell is tagged `parameters`"
    assert re.search(r"^FAST\s*=", tagged[0].source, re.M), (
        f"{_id(path)}: the parameters cell does not set FAST"
    )


@pytest.mark.parametrize("path", walkthroughs(), ids=_id)
def test_walkthrough_ends_with_a_questionnaire(path: Path):
    text = _markdown(path)
    assert re.search(r"^## Questionnaire\s*$", text, re.M), (
        f"{_id(path)}: no '## Questionnaire' heading"
    )
    questions = re.findall(r"^\d+\. ", text.split("## Questionnaire", 1)[-1], re.M)
    assert len(questions) >= 5, f"{_id(path)}: expected at least 5 questions, got {len(questions)}"


ANSWER_KEY = "<details><summary>Answers</summary>"
NUMBERED = re.compile(r"^\d+\. ", re.M)


@pytest.mark.parametrize("path", walkthroughs(), ids=_id)
def test_questionnaire_is_followed_by_an_answer_key_with_one_answer_per_question(path: Path):
    cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]
    at = next((i for i, text in enumerate(cells) if text.startswith("## Questionnaire")), None)
    assert at is not None, f"{_id(path)}: the questionnaire should start a markdown cell of its own"
    key = cells[at + 1] if at + 1 < len(cells) else ""
    assert key.startswith(ANSWER_KEY) and key.rstrip().endswith("</details>"), (
        f"{_id(path)}: the cell after the questionnaire should be a collapsed answer key "
        f"({ANSWER_KEY} ... </details>), so that students check themselves after trying"
    )
    questions, answers = len(NUMBERED.findall(cells[at])), len(NUMBERED.findall(key))
    assert answers == questions, f"{_id(path)}: {questions} questions but {answers} answers"


@pytest.mark.parametrize("path", walkthroughs(), ids=_id)
def test_walkthrough_links_to_what_comes_next(path: Path):
    text = _markdown(path)
    line = re.search(r"\*\*Next:\*\*(.{0,300})", text, re.S)  # the link may wrap
    assert line, f"{_id(path)}: no '**Next:**' link at the end"
    links = LINK.findall(line.group(1))
    assert links, f"{_id(path)}: the '**Next:**' line has no link"
    assert _target_exists(path, links[0]), f"{_id(path)}: the next link {links[0]} is missing"
