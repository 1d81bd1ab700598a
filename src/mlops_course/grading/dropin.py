"""`mlops-course autograde <assignment>`: the engine as a drop-in for `nbgrader autograde`.

Run inside any nbgrader course folder (one with `nbgrader_config.py`, `source/`, `release/`,
`submitted/`), it grades like `nbgrader autograde <assignment>` and writes where that command
writes, so everything the instructor does next works unchanged:
    gradebook      the course's `CourseDirectory.db_url` (a sqlite file), its `course_id`
    autograded/    `<student>/<assignment>/`: the submission's files, the source's non-notebook
                   files over them, and each graded notebook, as nbgrader lays them out
    untouched      `nbgrader_config.py`, `source/`, `release/`, `submitted/`
What it adds is the engine's: every core (or a Dask cluster), a fresh sandboxed kernel per
notebook, a status and a reason for every submission. Its own files (the per-student status
ledger, the grade reports, per-submission gradebooks waiting to be merged) go to
`<course>/.mlops-grading/`, which nbgrader never reads.

Scoring follows the course's own configuration (its timeout, its preprocessors' settings) and
nbgrader's rules for stderr: this course's policy that warnings and log records cost nothing is
not applied to another course, since its own `nbgrader autograde` does not apply it either.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_course.grading import GradingError

if TYPE_CHECKING:  # the command line imports this module: keep that cheap
    from mlops_course.grading.outcomes import RunResult
    from mlops_course.grading.run import CourseLayout

STATE_FOLDER = ".mlops-grading"
DEFAULT_STRUCTURE = "{nbgrader_step}/{student_id}/{assignment_id}"
STEPS = ("source", "release", "submitted", "autograded", "feedback")


class CourseError(GradingError, ValueError):
    """The folder is not an nbgrader course this command can grade (the message says why)."""


def course_config(course_dir: Path) -> Any:
    """The course's nbgrader configuration, read from its `nbgrader_config.py` as nbgrader
    does when run in that folder (the file's own `c.CourseDirectory.root` wins if set)."""
    from mlops_course.grading import config

    path = course_dir / "nbgrader_config.py"
    if not path.is_file():
        raise CourseError(
            f"{course_dir} has no nbgrader_config.py: run this command in an nbgrader course "
            "folder (where `nbgrader autograde` works), or pass --course-dir."
        )
    cfg = config.load(path)
    if not cfg.CourseDirectory.get("root"):
        cfg.CourseDirectory.root = str(course_dir)
    return cfg


def layout(course_dir: Path, cfg: Any | None = None) -> CourseLayout:
    """Where nbgrader keeps this course's folders and gradebook.

    Read from the configuration with nbgrader 0.9's `CourseDirectory` defaults, without
    importing nbgrader: that import costs most of a second, and `run.grade` overlaps it with
    starting the sandboxes (the drop-in test checks the folders against stock nbgrader's)."""
    from mlops_course.grading.run import CourseLayout

    course_dir = Path(course_dir).resolve()
    cfg = cfg if cfg is not None else course_config(course_dir)
    cd = cfg.CourseDirectory
    root = (course_dir / str(cd.get("root") or course_dir)).resolve()
    url = str(cd.get("db_url") or f"sqlite:///{root / 'gradebook.db'}")
    if not url.startswith("sqlite:///"):
        raise CourseError(
            f"the course's gradebook is {url}; the drop-in grader writes sqlite gradebooks "
            "only (nbgrader's default). Grade with `nbgrader autograde` there."
        )
    steps = {step: str(cd.get(f"{step}_directory") or step) for step in STEPS}
    return CourseLayout(
        root=root,
        cfg=cfg,
        gradebook=Path(url[len("sqlite:///") :]),
        course_id=str(cd.get("course_id") or "").strip(),
        steps=steps,
        structure=str(cd.get("directory_structure") or DEFAULT_STRUCTURE),
        state=root / STATE_FOLDER,
    )


def autograde(
    assignment: str,
    course_dir: Path = Path("."),
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    sandbox: str = "auto",
    force: bool = False,
    progress: bool = True,
    report_html: bool = False,
) -> RunResult:
    """Grade every submission of `assignment` in an nbgrader course folder, in place."""
    from mlops_course.grading import run
    from mlops_course.grading.lab import Lab

    where = layout(Path(course_dir))
    if where.structure != DEFAULT_STRUCTURE:
        raise CourseError(
            f"the course sets CourseDirectory.directory_structure = {where.structure!r}; the "
            f"drop-in grader reads nbgrader's default ({DEFAULT_STRUCTURE!r}) only."
        )
    source = where.folder("source", ".", assignment)
    if not any(source.glob("*.ipynb")):
        raise CourseError(f"{source} holds no notebook: is {assignment!r} the assignment's name?")
    lab = Lab(assignment, source, where.folder("release", ".", assignment))
    submitted = where.root / where.steps["submitted"]
    if not submitted.is_dir():
        raise CourseError(f"{submitted} does not exist: nothing has been submitted yet.")
    options = run.Options(
        out=where.root,
        jobs=jobs,
        scheduler=scheduler,
        force=force,
        sandbox=sandbox,
        progress=progress,
        report_html=report_html,
        feedback=False,  # as `nbgrader autograde`: `nbgrader generate_feedback` makes it
        write_submitted=False,
        course=where,
    )
    return run.grade(lab, submitted, options)


# --- the command ------------------------------------------------------------------------------


def add_command(sub) -> None:
    """`mlops-course autograde <assignment> [--course-dir .]` (argparse subparser)."""
    cmd = sub.add_parser(
        "autograde",
        help="grade an assignment of any nbgrader course in place, as `nbgrader autograde` does",
        description=(
            "Run in an nbgrader course folder: grades submitted/<student>/<assignment>/ into "
            "the course's gradebook and autograded/, so `nbgrader generate_feedback`, `nbgrader "
            "export` and formgrader work as after `nbgrader autograde`."
        ),
    )
    cmd.add_argument("assignment", help="the assignment's name (its folder under source/)")
    cmd.add_argument("--course-dir", default=".", help="the course folder (default: here)")
    cmd.add_argument("--jobs", type=int, default=None, help="workers (default: every core)")
    cmd.add_argument("--scheduler", default=None, help="Dask: tcp://host:port or 'local'")
    cmd.add_argument("--sandbox", choices=("auto", "on", "off"), default="auto")
    cmd.add_argument("--force", action="store_true", help="regrade unchanged submissions too")
    cmd.add_argument("--no-progress", action="store_true", help="no progress bar")
    cmd.add_argument(
        "--report", action="store_true", help="also the HTML grade report with its plots"
    )
    cmd.set_defaults(func=_command)


def _command(args) -> int:
    from collections import Counter

    result = autograde(  # a CourseError is reported by `mlops-course` itself, exit status 2
        args.assignment,
        Path(args.course_dir),
        jobs=args.jobs,
        scheduler=args.scheduler,
        sandbox=args.sandbox,
        force=args.force,
        progress=not args.no_progress,
        report_html=args.report,
    )
    graded = len(result.outcomes)
    print(
        f"Autograded {graded} submission(s) of {result.lab} in {result.seconds['grading']:.1f} s; "
        f"skipped {len(result.skipped)} unchanged since the last run."
    )
    print(f"Sandbox: {result.sandbox or 'not used'}.")
    counts = Counter(s["status"] for s in result.summaries.values())
    for status, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {status:17} {n}")
    print(f"Gradebook: {result.files['gradebook.db']}")
    shown = "report.html" if "report.html" in result.files else "grades.csv"
    print(f"Statuses and grades: {result.files[shown].parent}/ (status.json, {shown})")
    print("Next, as after `nbgrader autograde`: nbgrader generate_feedback, nbgrader export.")
    return 0
