"""Per-student feedback HTML that never shows hidden test source.

nbgrader's own feedback renders the autograded notebook, which holds the hidden tests that
were restored from the source for grading; a failing assertion's traceback also quotes the
line that failed. Before rendering, the course's feedback:
    - replaces every hidden-test region of a test cell by one comment line;
    - keeps each error's type and message but drops its traceback (which quotes source);
    - under every test cell that lost points, says why in plain words (an error, output on
      stderr, the time limit, a failed re-run in another process: `streams.verdict`), and under
      one that showed warnings or log lines, that they cost nothing;
and then uses nbgrader's own feedback template, so students see the familiar layout with
each test cell's score. Submissions that could not be graded get a short page that says why.
"""

from __future__ import annotations

import copy
import html
import re

from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell

from mlops_course.grading import streams
from mlops_course.grading.lab import BEGIN_HIDDEN, END_HIDDEN, is_answer, is_test

HIDDEN_NOTE = (
    "# Hidden tests ran here. Their code is not shown; the score of this cell counts them."
)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def mask_hidden(source: str) -> str:
    """A test cell's source with each hidden region replaced by one comment line."""
    out, within = [], False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            within = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + HIDDEN_NOTE)
        elif END_HIDDEN in line:
            within = False
        elif not within:
            out.append(line)
    return "\n".join(out)


def why_note(cell: NotebookNode, answer: NotebookNode | None, timeout: float | None) -> str:
    """Markdown saying why a graded test cell lost its points, or '' when it did not."""
    v = streams.verdict(cell, answer, timeout)
    lines = []
    if not v.ok:
        lines.append(f"**Why this test cell scored 0:** {html.escape(v.why)}")
    if v.routed:
        lines.append(
            f"_{v.routed} warning(s) or log line(s) above, marked `[not graded: ...]`, "
            "cost no points._"
        )
    return "\n\n".join(lines)


def without_hidden_source(nb: NotebookNode, timeout: float | None = None) -> NotebookNode:
    """A copy of a graded notebook that is safe to show its student, with why notes."""
    safe = copy.deepcopy(nb)
    cells, answer = [], None
    for cell in safe.cells:
        cells.append(cell)
        if is_answer(cell):
            answer = cell
        if not is_test(cell):
            continue
        note = why_note(cell, answer, timeout)  # before the traceback is dropped below
        if note:
            cells.append(new_markdown_cell(note))
        cell.source = mask_hidden(cell.source)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                message = ANSI.sub(
                    "", f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
                )
                output["traceback"] = [message]
    safe.cells = cells
    return safe


class FeedbackRenderer:
    """nbgrader's feedback template, set up once per worker."""

    def __init__(self, config=None) -> None:
        from nbconvert.exporters import HTMLExporter
        from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
        from nbgrader.preprocessors import GetGrades
        from traitlets.config import Config

        from mlops_course.grading.nbgrader_overrides import feedback_template_dirs

        templates, css = feedback_template_dirs()
        c = Config(config or {})
        c.Exporter.default_preprocessors = []
        c.HTMLExporter.template_name = "feedback"
        c.HTMLExporter.extra_template_basedirs = [templates]
        c.HTMLExporter.extra_template_paths = [css]
        self.exporter = HTMLExporter(config=c)
        self.exporter.register_preprocessor(GetGrades(config=c), enabled=True)
        self.exporter.register_preprocessor(CSSHTMLHeaderPreprocessor(config=c), enabled=True)

    def render(
        self,
        nb: NotebookNode,
        *,
        db_url: str,
        lab: str,
        student: str,
        notebook: str,
        timeout: float | None = None,
    ) -> str:
        resources = {
            "nbgrader": {
                "notebook": notebook,
                "assignment": lab,
                "student": student,
                "db_url": db_url,
            },
            "unique_key": notebook,
        }
        safe = without_hidden_source(nb, timeout)
        body, _ = self.exporter.from_notebook_node(safe, resources=resources)
        return body


def status_page(*, lab: str, notebook: str, student: str, status: str, reason: str) -> str:
    """Feedback for a submission the grader could not run to the end."""
    esc = html.escape
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(lab)}: {esc(notebook)}</title>
<style>body{{font-family:sans-serif;max-width:46em;margin:2em auto;line-height:1.5}}
.status{{font-weight:bold}}</style></head>
<body>
<h1>Feedback on {esc(lab)} / {esc(notebook)}.ipynb</h1>
<p>Student: {esc(student)}</p>
<p class="status">Status: {esc(status)}</p>
<p>{esc(reason)}</p>
<p>Run <code>mlops-course check labs/{esc(lab)}/{esc(notebook)}.ipynb</code> before you submit
again: it runs the visible tests the way the grader does and says what fails.</p>
</body></html>
"""
