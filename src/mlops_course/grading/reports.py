"""What a grading run leaves for people: LMS CSVs and an HTML grade report with plots.

CSV files (UTF-8, RFC 4180 quoting by Python's csv module: a name with a comma or a quote is
quoted, and quotes inside are doubled, so every LMS and spreadsheet reads it back intact):
    grades.csv  one row per student: id, names, status, reason, one column per test cell, total
    canvas.csv  Canvas's gradebook columns: Student ("Last, First"), ID (the LMS user id),
                SIS User ID (the student id), SIS Login ID (email), Section, then one column
                per question, and a "Points Possible" row first, as Canvas exports it
    moodle.csv  Moodle's grade import: First name, Last name, ID number (the student id),
                Email address, one column per question, the total and a Feedback column
report.html shows the score distribution, per-question difficulty, status counts and time per
submission, then a table of every submission with its status and reason.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass
class Row:
    """One student's line in every report."""

    student: str
    first_name: str | None
    last_name: str | None
    email: str | None
    lms_user_id: str | None
    section: str | None
    status: str
    reason: str
    notes: list[str]
    scores: dict[str, float]  # question key -> effective score
    total: float
    max_score: float
    seconds: float

    @property
    def display(self) -> str:
        names = [p for p in (self.first_name, self.last_name) if p]
        return " ".join(names) if names else self.student

    @property
    def sortable(self) -> str:
        if self.first_name and self.last_name:
            return f"{self.last_name}, {self.first_name}"
        return self.display


@dataclass
class Question:
    key: str  # "notebook/cell"
    notebook: str
    cell: str
    points: float

    def label(self, lab: str, single_notebook: bool) -> str:
        name = self.cell if single_notebook else f"{self.notebook}/{self.cell}"
        return f"{lab} {name}"


@dataclass
class Report:
    lab: str
    questions: list[Question]
    rows: list[Row]
    sandbox: str
    generated: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)

    @property
    def single_notebook(self) -> bool:
        return len({q.notebook for q in self.questions}) <= 1


def _fmt(value: float) -> str:
    return f"{value:g}"


def write_grades_csv(report: Report, path: Path) -> Path:
    labels = [q.label(report.lab, report.single_notebook) for q in report.questions]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "student_id",
                "first_name",
                "last_name",
                "email",
                "status",
                "reason",
                *labels,
                "total",
                "max_score",
            ]
        )
        for row in report.rows:
            writer.writerow(
                [
                    row.student,
                    row.first_name or "",
                    row.last_name or "",
                    row.email or "",
                    row.status,
                    row.reason,
                    *[_fmt(row.scores.get(q.key, 0.0)) for q in report.questions],
                    _fmt(row.total),
                    _fmt(report.max_score),
                ]
            )
    return path


def write_canvas_csv(report: Report, path: Path) -> Path:
    labels = [
        f"{q.label(report.lab, report.single_notebook)} ({_fmt(q.points)} pts)"
        for q in report.questions
    ]
    total = f"{report.lab} total ({_fmt(report.max_score)} pts)"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *labels, total])
        writer.writerow(
            [
                "    Points Possible",
                "",
                "",
                "",
                "",
                *[_fmt(q.points) for q in report.questions],
                _fmt(report.max_score),
            ]
        )
        for row in report.rows:
            writer.writerow(
                [
                    row.sortable,
                    row.lms_user_id or "",
                    row.student,
                    row.email or "",
                    row.section or "",
                    *[_fmt(row.scores.get(q.key, 0.0)) for q in report.questions],
                    _fmt(row.total),
                ]
            )
    return path


def write_moodle_csv(report: Report, path: Path) -> Path:
    labels = [q.label(report.lab, report.single_notebook) for q in report.questions]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "First name",
                "Last name",
                "ID number",
                "Email address",
                *labels,
                f"{report.lab} total",
                "Feedback",
            ]
        )
        for row in report.rows:
            feedback = row.status if row.status == "graded" else f"{row.status}: {row.reason}"
            writer.writerow(
                [
                    row.first_name or row.student,
                    row.last_name or "",
                    row.student,
                    row.email or "",
                    *[_fmt(row.scores.get(q.key, 0.0)) for q in report.questions],
                    _fmt(row.total),
                    feedback,
                ]
            )
    return path


# --- the HTML report --------------------------------------------------------------------------


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _plots(report: Report) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    plots = []
    fig, ax = plt.subplots(figsize=(6, 3))
    totals = [r.total for r in report.rows]
    top = max(report.max_score, 1)
    # One bar per whole point when there are few points, twenty bins otherwise.
    edges = [x - 0.5 for x in range(int(top) + 2)] if top <= 40 else 20
    ax.hist(totals, bins=edges, color="tab:blue", edgecolor="white")
    ax.set(
        xlabel=f"score (out of {_fmt(report.max_score)})",
        ylabel="submissions",
        title="Score distribution",
    )
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    plots.append(("Score distribution", _png(fig)))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 3))
    graded = [
        r for r in report.rows if r.status in ("graded", "tampered", "timed out", "memory limit")
    ] or report.rows
    shares = [
        sum(r.scores.get(q.key, 0.0) for r in graded) / (q.points * len(graded))
        if graded and q.points
        else 0.0
        for q in report.questions
    ]
    labels = [q.cell if report.single_notebook else q.key for q in report.questions]
    ax.barh(labels[::-1], shares[::-1], color="tab:orange")
    ax.set(
        xlim=(0, 1),
        xlabel="share of points earned (lower = harder)",
        title="Per-question difficulty",
    )
    plots.append(("Per-question difficulty", _png(fig)))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 3))
    counts = Counter(r.status for r in report.rows)
    names = sorted(counts, key=lambda s: -counts[s])
    ax.bar(names, [counts[n] for n in names], color="tab:green")
    ax.set(ylabel="submissions", title="Status counts")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="x", labelrotation=30)
    plots.append(("Status counts", _png(fig)))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 3))
    seconds = sorted(r.seconds for r in report.rows)
    ax.plot(range(1, len(seconds) + 1), seconds, marker="o", linestyle="none", color="tab:purple")
    ax.set(xlabel="submissions, fastest first", ylabel="seconds", title="Time per submission")
    plots.append(("Time per submission", _png(fig)))
    plt.close(fig)
    return plots


def write_html(report: Report, path: Path) -> Path:
    esc = html.escape
    counts = Counter(r.status for r in report.rows)
    mean = sum(r.total for r in report.rows) / len(report.rows) if report.rows else 0.0
    warn = (
        ""
        if report.sandbox.startswith("bubblewrap")
        else (f'<p class="warn">Sandbox {esc(report.sandbox)}.</p>')
    )
    figures = (
        "\n".join(
            f'<figure><img alt="{esc(title)}" src="{src}"><figcaption>{esc(title)}</figcaption>'
            "</figure>"
            for title, src in _plots(report)
        )
        if report.rows
        else "<p>No submissions.</p>"
    )
    rows = "\n".join(
        f"<tr><td>{esc(r.student)}</td><td>{esc(r.display)}</td>"
        f'<td class="s-{esc(r.status.replace(" ", "-"))}">{esc(r.status)}</td>'
        f"<td>{_fmt(r.total)} / {_fmt(report.max_score)}</td><td>{r.seconds:.1f}</td>"
        f"<td>{esc(r.reason)}{''.join('<br><small>' + esc(n) + '</small>' for n in r.notes)}</td>"
        "</tr>"
        for r in sorted(report.rows, key=lambda r: r.student)
    )
    statuses = ", ".join(f"{esc(s)}: {n}" for s, n in sorted(counts.items()))
    path.write_text(
        f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Grades: {esc(report.lab)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 80em; }}
figure {{ display: inline-block; margin: 0 1em 1em 0; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 0.3em 0.6em; vertical-align: top; text-align: left; }}
.warn {{ background: #fff3cd; padding: 0.5em; }}
.s-graded {{ color: #176117; }}
</style></head><body>
<h1>Grade report: {esc(report.lab)}</h1>
<p>{len(report.rows)} submissions; mean score {mean:.2f} of {_fmt(report.max_score)};
{statuses}. Sandbox: {esc(report.sandbox)}. Generated {esc(report.generated)}.</p>
{warn}
{figures}
<h2>Submissions</h2>
<table><thead><tr><th>student</th><th>name</th><th>status</th><th>score</th><th>seconds</th>
<th>reason and notes</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
""",
        encoding="utf-8",
    )
    return path


def write_all(report: Report, folder: Path, html: bool = True) -> dict[str, Path]:
    """The CSVs, and the HTML report unless `html` is False (its plots cost most of a second
    of matplotlib, which a run that only needs the CSVs can skip)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "grades.csv": write_grades_csv(report, folder / "grades.csv"),
        "canvas.csv": write_canvas_csv(report, folder / "canvas.csv"),
        "moodle.csv": write_moodle_csv(report, folder / "moodle.csv"),
    }
    if html:
        files["report.html"] = write_html(report, folder / "report.html")
    return files
