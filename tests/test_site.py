"""The course site: built from the READMEs, the executed walkthroughs and the lab releases, read
in a real browser, and free of every hidden test and solution.

One build is shared by the module (it reuses the walkthroughs that test_notebooks_run.py left
executed in test-artifacts/executed/, and executes the others). Screenshots of the pages the
browser opens are kept in test-artifacts/site/.
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

import nbformat
import pytest

from mlops_course import servers, settings, site

from .conftest import require_tool
from .test_browser import CHROMIUM_ARGS

BLOCKS = {
    "hidden test": ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"),
    "solution": ("BEGIN SOLUTION", "END SOLUTION"),
}
MIN_LINE = 12  # shorter lines (`)`, `return x`) say nothing about where they came from


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def page_text(markup: str) -> str:
    """The text a reader sees on a page: scripts, styles and tags dropped, entities decoded.
    (Syntax highlighting splits code into spans; without the tags it reads as written.)"""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S | re.I)
    return squash(html.unescape(re.sub(r"<[^>]+>", "", markup)))


def file_text(path: Path) -> str:
    if path.suffix == ".html":
        return page_text(path.read_text(errors="ignore"))
    if path.suffix == ".ipynb":
        return squash(notebook_text(path))
    return squash(html.unescape(path.read_text(errors="ignore")))


def blocks(kind: str, path: Path) -> list[str]:
    """Lines inside nbgrader's `kind` blocks of one lab source notebook."""
    begin, end = BLOCKS[kind]
    found: list[str] = []
    for cell in nbformat.read(str(path), as_version=4).cells:
        inside = False
        for line in cell.source.splitlines():
            if begin in line:
                inside = True
            elif end in line:
                inside = False
            elif inside:
                found.append(squash(line))
    return found


def notebook_text(path: Path) -> str:
    """A notebook's cells and the text of their outputs."""
    parts = []
    for cell in nbformat.read(str(path), as_version=4).cells:
        parts.append(cell.source)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            parts += [out.get("text", ""), data.get("text/plain", ""),
                      page_text(data.get("text/html", ""))]
    return "\n".join(parts)


@functools.cache
def public_text() -> str:
    """Everything a student may read anyway: READMEs, executed walkthroughs (their outputs show
    the template's code), the student releases, and the course's and the template's code."""
    root = settings.REPO_ROOT
    texts = [p.read_text() for p in settings.SPRINTS_DIR.glob("*/README.md")]
    texts += [notebook_text(site.executed_copy(p)) for p in site.walkthroughs()]
    texts += [notebook_text(p) for p in settings.LABS_DIR.glob("*/*.ipynb")]
    texts += [p.read_text() for folder in ("src/mlops_course", "project_template/src")
              for p in (root / folder).rglob("*.py")]
    return squash("\n".join(texts))


def private_lines(kind: str, lab: Path | None = None) -> dict[str, str]:
    """Distinctive `kind` lines from solutions/ that no public source contains: line -> lab."""
    public = public_text()
    sources = [lab] if lab else sorted(settings.SOLUTIONS_DIR.glob("*/*.ipynb"))
    lines: dict[str, str] = {}
    for path in sources:
        for line in blocks(kind, path):
            if len(line) >= MIN_LINE and not line.startswith("#") and line not in public:
                lines[line] = path.parent.name
    return lines


def solution_source(release: Path) -> Path:
    return settings.SOLUTIONS_DIR / release.relative_to(settings.LABS_DIR)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> site.Report:
    return site.build(tmp_path_factory.mktemp("site") / "html")


@pytest.fixture(scope="module")
def served(built):
    command = servers.python_command("http.server", "--bind", "127.0.0.1", "--directory",
                                     str(built.html), "{port}")
    with servers.BackgroundServer(command, ready_path="/index.html", name="site") as srv:
        yield srv


@pytest.fixture(scope="module")
def page(artifacts):
    executable = require_tool("chromium", "Debian's chromium opens the course site")
    from playwright.sync_api import sync_playwright

    (artifacts / "site").mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1300, "height": 900})
        yield context.new_page()
        browser.close()


@pytest.mark.slow
def test_site_has_a_page_per_sprint_walkthrough_and_lab_and_a_search(built):
    html_dir = built.html
    expected = [Path("index.html"), Path("first-hour.html"), Path("search.html"),
                Path("searchindex.js"), Path("labs/README.html")]
    expected += [p.parent.relative_to(settings.REPO_ROOT) / "README.html"
                 for p in settings.SPRINTS_DIR.glob("*/README.md")]
    expected += [p.relative_to(settings.REPO_ROOT).with_suffix(".html")
                 for p in [*site.walkthroughs(), *settings.LABS_DIR.glob("*/*.ipynb")]]
    missing = [str(p) for p in expected if not (html_dir / p).is_file()]
    assert not missing, f"pages missing from the site: {missing}"
    assert len(built.labs) == len(list(settings.LABS_DIR.glob("*/*.ipynb")))


@pytest.mark.slow
def test_every_walkthrough_page_shows_executed_outputs(built):
    bare = []
    for notebook in site.walkthroughs():
        markup = (built.html / notebook.relative_to(settings.REPO_ROOT)).with_suffix(".html")
        if "cell_output" not in markup.read_text():
            bare.append(settings.display_path(notebook))
    assert not bare, f"walkthrough pages without any output: {bare}"


@pytest.mark.slow
def test_no_hidden_test_or_solution_reaches_the_built_site(built):
    hidden = private_lines("hidden test")
    solution = private_lines("solution")
    assert len(hidden) >= 20, f"too few hidden-test lines to check ({len(hidden)})"
    leaks = []
    for path in sorted(p for p in built.html.rglob("*") if p.is_file()):
        if path.suffix.lower() in (".png", ".jpg", ".svg", ".woff", ".woff2", ".ttf", ".ico"):
            continue
        raw, where = path.read_text(errors="ignore"), path.relative_to(built.html)
        leaks += [f"{where}: {m}" for m in site.LEAK_MARKERS if m in raw]
        if where.parts[0] == "_static" and path.suffix in (".js", ".map", ".css"):
            continue  # the theme's own scripts and styles: markers checked, lines cannot be
        text = file_text(path)
        leaks += [f"{where}: hidden test of {lab}: {line!r}"
                  for line, lab in hidden.items() if line in text]
        leaks += [f"{where}: solution of {lab}: {line!r}"
                  for line, lab in solution.items() if line in text]
    assert not leaks, "published:\n" + "\n".join(leaks[:20])


def test_the_build_refuses_a_release_that_carries_a_hidden_test(tmp_path, monkeypatch):
    labs = tmp_path / "labs"
    (labs / "00-x").mkdir(parents=True)
    source = "assert add(1, 2) == 3\n### BEGIN HIDDEN TESTS\nassert add(2, 2) == 4\n"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nbformat.write(nb, str(labs / "00-x" / "leaky.ipynb"))
    monkeypatch.setattr(settings, "LABS_DIR", labs)
    with pytest.raises(site.SiteError, match="BEGIN HIDDEN TESTS.*mlops-course release"):
        site.stage(tmp_path / "staged", {})


@pytest.mark.slow
@pytest.mark.browser
def test_start_here_page_shows_its_plot(served, page, artifacts):
    page.goto(f"{served.url}/sprints/00-start-here/00-start-here.html")
    plot = page.locator(".cell_output img").first
    plot.scroll_into_view_if_needed(timeout=30_000)
    width = plot.evaluate("img => img.complete ? img.naturalWidth : 0")
    page.screenshot(path=str(artifacts / "site" / "start-here-plot.png"))
    assert width > 100, "the start-here page's first plot did not load"


@pytest.mark.slow
@pytest.mark.browser
def test_sprint_04_page_shows_its_latency_table(served, page, artifacts):
    page.goto(f"{served.url}/sprints/04-serving/04a-latency-and-optimisation.html")
    table = page.locator(".cell_output table", has_text="p95_ms").first
    table.scroll_into_view_if_needed(timeout=30_000)
    page.screenshot(path=str(artifacts / "site" / "sprint-04-latency-table.png"))
    headers = table.locator("th").all_inner_texts()
    assert {"p50_ms", "p95_ms", "p99_ms"} <= set(headers), headers
    assert table.locator("tbody tr").count() >= 2


@pytest.mark.slow
@pytest.mark.browser
def test_a_lab_page_shows_the_questions_without_hidden_tests_or_solutions(served, page,
                                                                          artifacts):
    release = settings.LABS_DIR / "04-serving" / "serving-performance.ipynb"
    page.goto(f"{served.url}/labs/04-serving/serving-performance.html")
    text = squash(page.locator("main").inner_text())
    page.screenshot(path=str(artifacts / "site" / "lab-04-page.png"))
    assert "YOUR CODE HERE" in text and "read-only copy" in text
    private = {**private_lines("hidden test", solution_source(release)),
               **private_lines("solution", solution_source(release))}
    assert len(private) >= 5, "too few private lines in lab 04 to make the check mean anything"
    shown = [line for line in private if line in text]
    assert not shown, f"lab 04's page shows hidden tests or solutions: {shown[:5]}"
    assert not [m for m in site.LEAK_MARKERS if m in text]


@pytest.mark.slow
@pytest.mark.browser
def test_the_site_search_finds_a_sprint(served, page):
    page.goto(f"{served.url}/search.html?q=drift")
    results = page.locator("#search-results li")
    results.first.wait_for(timeout=30_000)
    assert "05" in " ".join(results.all_inner_texts()[:20])


def test_the_pages_workflow_builds_with_course_site_and_pins_every_action():
    workflow = (settings.REPO_ROOT / ".github" / "workflows" / "site.yml").read_text()
    uses = re.findall(r"uses:\s*(\S+)", workflow)
    assert uses, "the site workflow uses no action"
    unpinned = [u for u in uses if not re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u)]
    assert not unpinned, f"actions not pinned by commit SHA: {unpinned}"
    assert "run: ./course site" in workflow
    published = (site.BUILD_DIR / "html").relative_to(settings.REPO_ROOT).as_posix()
    assert f"path: {published}" in workflow, "the workflow uploads another folder than the build"
    assert re.search(r"branches:\s*\[main\]", workflow)
