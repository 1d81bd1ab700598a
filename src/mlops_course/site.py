"""`./course site`: the course as a static site, every walkthrough with its outputs and plots.

    python -m mlops_course.site [--out DIR] [--reuse-only]

The site is built with Sphinx and myst-nb from a staging folder laid out like the repository:

- `index.md` and `first-hour.md` (from `site/`), a page per sprint (its README) with its
  walkthroughs as child pages, executed in fast mode;
- the labs as read-only pages: the student releases from `labs/`, which hold no hidden test
  and no solution (the build refuses any file that carries nbgrader's markers for them).

Executed notebooks are reused from `test-artifacts/executed/`, where the notebook tests leave
them, when their cells match the source; the others are executed here with the same harness
(`mlops_course.notebooks`), and kept there for the next build. Links to files that are not
pages (the project template, the datasets) point to the repository instead.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from mlops_course import notebooks, settings

SITE_CONFIG = settings.REPO_ROOT / "site"
BUILD_DIR = settings.REPO_ROOT / "_build" / "site"
EXECUTED_DIR = settings.REPO_ROOT / "test-artifacts" / "executed"
REPOSITORY = os.environ.get(
    "MLOPS_COURSE_REPOSITORY", "https://github.com/mlops-course/mlops-course")
# nbgrader's markers around solutions and hidden tests: none may reach the site.
LEAK_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
LINK = re.compile(r"(\]\()([^)\s]+)(\))")
TOCTREE_MARKER = "<!-- toctree -->"


class SiteError(RuntimeError):
    """The site could not be built; the message says why and what to do."""


@dataclass
class Report:
    """What a build did: pages, notebooks reused or executed, and where the site is."""

    html: Path
    reused: list[str] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    labs: list[str] = field(default_factory=list)
    seconds: float = 0.0


def executed_copy(source: Path) -> Path:
    """Where the executed copy of a notebook is kept (the notebook tests write there too)."""
    return EXECUTED_DIR / source.resolve().relative_to(settings.REPO_ROOT)


def _code_sources(nb: nbformat.NotebookNode) -> list[tuple[str, list[str]]]:
    """Each cell's source and tags (`remove-cell` hides one from the site), without
    papermill's injected parameters cell."""
    return [(c.source, c.metadata.get("tags", [])) for c in nb.cells
            if "injected-parameters" not in c.metadata.get("tags", [])]


def _read(path: Path) -> nbformat.NotebookNode | None:
    try:
        return nbformat.read(str(path), as_version=4)
    except Exception:  # noqa: BLE001 - a missing or half-written copy is simply not there
        return None


def is_current(source: Path, ran: nbformat.NotebookNode | None) -> bool:
    """True when `ran` is a complete run (no error) of exactly the cells now in `source`."""
    if ran is None:
        return False
    failed = any(out.get("output_type") == "error"
                 for cell in ran.cells for out in cell.get("outputs", []))
    current = nbformat.read(str(source), as_version=4)
    return not failed and _code_sources(ran) == _code_sources(current)


def walkthroughs() -> list[Path]:
    """Every walkthrough notebook, sprint by sprint."""
    return sorted(p for p in settings.SPRINTS_DIR.glob("*/*.ipynb"))


def ensure_executed(sources: list[Path], report: Report, *,
                    reuse_only: bool = False) -> dict[Path, nbformat.NotebookNode]:
    """Each source's executed notebook, read once: a current copy, or a fresh fast-mode run
    (unless `reuse_only`). Reading it once keeps the build consistent while tests rewrite
    the copies."""
    executed: dict[Path, nbformat.NotebookNode] = {}
    for source in sources:
        target = executed_copy(source)
        name = settings.display_path(source)
        ran = _read(target)
        if is_current(source, ran):
            report.reused.append(name)
            executed[source] = ran
            continue
        if reuse_only:
            raise SiteError(
                f"No executed copy of {name} matches its cells (looked in "
                f"{settings.display_path(target)}). Run `./course site` without --reuse-only, "
                "or the notebook tests, to execute it."
            )
        print(f"executing {name} in fast mode...", flush=True)
        scratch = target.with_name(f".{target.stem}.running.ipynb")
        try:
            notebooks.execute(source, scratch, budget=float("inf"))
        except notebooks.NotebookError as err:
            raise SiteError(f"{err}. The site shows executed notebooks: fix it first.") from err
        executed[source] = nbformat.read(str(scratch), as_version=4)
        os.replace(scratch, target)  # whole, so a reader never sees half a run
        report.executed.append(name)
    return executed


def _rewrite_link(target: str, origin: Path, staged: set[Path]) -> str:
    """A link as the site needs it: pages stay relative, other repository files go online."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith(("#", "/")):
        return target
    path, _, anchor = target.partition("#")
    resolved = (origin.parent / path).resolve()
    try:
        relative = resolved.relative_to(settings.REPO_ROOT)
    except ValueError:
        return target
    if resolved.is_dir() and (resolved / "README.md").resolve() in staged:
        return target.rstrip("/").split("#")[0] + "/README.md" + (f"#{anchor}" if anchor else "")
    if resolved in staged:
        return target
    kind = "tree" if resolved.is_dir() else "blob"
    return f"{REPOSITORY}/{kind}/main/{relative.as_posix()}" + (f"#{anchor}" if anchor else "")


def rewrite_links(text: str, origin: Path, staged: set[Path]) -> str:
    """Rewrite every Markdown link in `text`, written in the file at `origin`."""
    return LINK.sub(lambda m: m.group(1) + _rewrite_link(m.group(2), origin, staged)
                    + m.group(3), text)


def _check_no_leak(path: Path, text: str) -> None:
    found = [marker for marker in LEAK_MARKERS if marker in text]
    if found:
        raise SiteError(
            f"{settings.display_path(path)} contains {', '.join(found)}: a solution or hidden "
            "test would be published. Regenerate the releases with `mlops-course release`."
        )


def _stage_notebook(source: Path, nb: nbformat.NotebookNode, dest: Path, staged: set[Path],
                    banner: str | None = None) -> None:
    nb = nbformat.from_dict(nb)  # a copy: links are rewritten in place
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = rewrite_links(cell.source, source, staged)
    if banner:  # under the title, which names the page
        titled = nb.cells and nb.cells[0].cell_type == "markdown" and \
            nb.cells[0].source.startswith("# ")
        nb.cells.insert(1 if titled else 0, nbformat.v4.new_markdown_cell(banner))
    text = nbformat.writes(nb)
    _check_no_leak(source, text)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text)


def _toctree(entries: list[str], caption: str | None = None, hidden: bool = False) -> str:
    options = (f":caption: {caption}\n" if caption else "") + (":hidden:\n" if hidden else "")
    return "\n```{toctree}\n" + options + ":maxdepth: 1\n\n" + "\n".join(entries) + "\n```\n"


def _lab_banner(lab: Path) -> str:
    relative = f"labs/{lab.relative_to(settings.LABS_DIR).as_posix()}"
    return (
        "```{admonition} A read-only copy of the lab\n:class: lab-banner\n\n"
        f"This page shows the student release, `{relative}`, as you receive it. Work it in "
        "JupyterLab (`./course lab`), check your answers with **Validate** or "
        f"`mlops-course check {relative}`, and submit the notebook as your instructor asks.\n```"
    )


def stage(into: Path, executed: dict[Path, nbformat.NotebookNode]) -> dict[str, list[Path]]:
    """Lay out the site's sources in `into`, with the walkthroughs as `executed` (from
    `ensure_executed`); return the staged sprints and labs."""
    shutil.rmtree(into, ignore_errors=True)
    shutil.copytree(SITE_CONFIG, into, ignore=shutil.ignore_patterns("__pycache__"))
    sprints = sorted(p.parent for p in settings.SPRINTS_DIR.glob("*/README.md"))
    labs = sorted(settings.LABS_DIR.glob("*/*.ipynb"))
    staged = {p.resolve() for p in [*walkthroughs(), *labs]}
    staged |= {(folder / "README.md").resolve() for folder in sprints}
    staged.add((settings.LABS_DIR / "README.md").resolve())
    for lab in labs:
        dest = into / "labs" / lab.relative_to(settings.LABS_DIR)
        _stage_notebook(lab, nbformat.read(str(lab), as_version=4), dest, staged,
                        banner=_lab_banner(lab))
    for folder in sprints:
        dest = into / folder.relative_to(settings.REPO_ROOT)
        readme = rewrite_links((folder / "README.md").read_text(), folder / "README.md", staged)
        pages = [p.stem for p in sorted(folder.glob("*.ipynb"))]
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "README.md").write_text(readme + _toctree(pages, hidden=True))
        for source in sorted(folder.glob("*.ipynb")):
            if source not in executed:
                raise SiteError(f"{settings.display_path(source)} was not executed: build with "
                                "`./course site`, which executes it.")
            _stage_notebook(source, executed[source], dest / source.name, staged)
    lab_pages = [lab.relative_to(settings.LABS_DIR).with_suffix("").as_posix() for lab in labs]
    (into / "labs").mkdir(exist_ok=True)
    (into / "labs" / "README.md").write_text(
        "# Labs\n\nOne graded lab per sprint, shown as the student release: questions, answer "
        "cells to fill in, and the visible tests. The hidden tests that decide the grade and "
        "the solutions are never published.\n" + _toctree(lab_pages))
    index = into / "index.md"
    sprint_pages = [f"{f.relative_to(settings.REPO_ROOT).as_posix()}/README" for f in sprints]
    index.write_text(index.read_text().replace(
        TOCTREE_MARKER, _toctree(["first-hour"], "Start")
        + _toctree(sprint_pages, "Sprints") + _toctree(["labs/README"], "Labs")))
    return {"sprints": sprints, "labs": labs}


def build(out: Path | None = None, *, reuse_only: bool = False) -> Report:
    """Build the site into `out` (default `_build/site/html`) and say what it did."""
    started = time.perf_counter()
    out = out or BUILD_DIR / "html"
    report = Report(html=out)
    executed = ensure_executed(walkthroughs(), report, reuse_only=reuse_only)
    source = out.parent / "source"
    laid = stage(source, executed)
    report.labs = [settings.display_path(p) for p in laid["labs"]]
    shutil.rmtree(out, ignore_errors=True)
    warnings = out.parent / "warnings.txt"
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "1", "-w", str(warnings),
         "-d", str(out.parent / "doctrees"), str(source), str(out)],  # doctrees not published
        capture_output=True, text=True,
    )
    if done.returncode:
        raise SiteError(f"Sphinx failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    report.seconds = time.perf_counter() - started
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./course site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="where to write the HTML (default "
                        "_build/site/html)")
    parser.add_argument("--reuse-only", action="store_true",
                        help="fail instead of executing a notebook without a current copy")
    args = parser.parse_args(argv)
    try:
        report = build(args.out, reuse_only=args.reuse_only)
    except SiteError as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 1
    print(f"Built the course site in {report.seconds:.0f} s: {len(report.reused)} walkthroughs "
          f"reused, {len(report.executed)} executed, {len(report.labs)} labs.\n"
          f"Open {report.html / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
