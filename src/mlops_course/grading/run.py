"""A grading run: `mlops-course grade <lab> <submissions>`, from a folder to gradebook and reports.

The run writes an nbgrader course folder (by default `workspace/grading/`):
    gradebook.db                          the course gradebook (nbgrader's schema)
    nbgrader_config.py                    so `nbgrader formgrader`, `export`, ... work here
    submitted/<student>/<lab>/            the submissions as received (nbgrader's layout)
    autograded/<student>/<lab>/*.ipynb    graded notebooks, hidden tests included (instructors)
    feedback/<student>/<lab>/*.html       feedback for students, without hidden test source
    reports/<lab>/grades.csv, canvas.csv, moodle.csv, report.html, status.json
    .work/<lab>/                          per-submission gradebooks until they are merged

Reruns are resumable: a submission whose files did not change since it was graded is skipped
(unless `force`), and one graded by an interrupted run is merged without being graded again.
A student whose submission folder was graded from this submissions folder before and is gone
now has withdrawn: their submission leaves the gradebook, the ledger, the CSVs, the report,
`autograded/`, `submitted/` and `feedback/`, so no old score is exported as if it stood.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlops_course import settings
from mlops_course.grading import config, gradebook, release, reports
from mlops_course.grading.engine import (
    LabBundle,
    _pool_init,
    _pool_task,
    grade_task,
    worker_for,
)
from mlops_course.grading.kernels import collector_paused
from mlops_course.grading.lab import Lab, cells_by_id, get_lab, is_test
from mlops_course.grading.outcomes import Outcome, RunResult, Status
from mlops_course.grading.sandbox import Limits, Sandbox
from mlops_course.grading.submissions import Submission, collect


@dataclass
class Options:
    """How to grade; None means the lab's own setting or the course's default."""

    out: Path | None = None
    jobs: int | None = None  # default: every core
    scheduler: str | None = None  # "tcp://host:port" (Dask), "local" (a local Dask cluster)
    force: bool = False
    roster: Path | None = None
    sandbox: str = "auto"  # "auto", "on" (fail without bubblewrap), "off"
    wall_seconds: float | None = None
    cell_seconds: int | None = None
    memory_mb: int | None = None
    progress: bool = True
    reports: bool = True
    report_html: bool = True  # the HTML report with its plots (the CSVs come with `reports`)
    feedback: bool = True
    write_submitted: bool = True
    course: CourseLayout | None = None  # grade in place in another nbgrader course (`dropin`)


@dataclass(frozen=True)
class CourseLayout:
    """Where a run reads and writes inside an nbgrader course folder that is not this course's.

    `cfg` is that course's own nbgrader configuration; `folder(step, student)` is nbgrader's
    `CourseDirectory.format_path`, so custom folder names are followed. The engine's own files
    (the ledger, reports, per-submission gradebooks waiting to be merged) go under `state`.
    """

    root: Path
    cfg: Any
    gradebook: Path
    course_id: str
    steps: dict[str, str]  # nbgrader step ("submitted", ...) -> its directory setting
    structure: str  # CourseDirectory.directory_structure
    state: Path

    def folder(self, step: str, student: str, assignment: str) -> Path:
        """nbgrader's path for one student's assignment at `step` (as `format_path` builds it)."""
        rel = self.structure.format(
            nbgrader_step=self.steps[step], student_id=student, assignment_id=assignment
        )
        return self.root / rel


@dataclass(frozen=True)
class Plan:
    """What a run needs to know about a lab before nbgrader is even imported."""

    cfg: Any
    limits: Limits
    preload: tuple[str, ...]


def plan_for(lab: Lab, options: Options, *, nbgrader_default: bool = True) -> Plan:
    """Configuration, limits and the modules to preload, from the lab's source alone.

    Another course may leave nbgrader's cell timeout unset; its default is read from nbgrader,
    an import of most of a second. With `nbgrader_default=False` it is left unset (the limits
    then hold the wall-clock budget as the cell limit) so the sandboxes can be launched first:
    `settle` fills it in afterwards.
    """
    import nbformat

    if options.course is None:
        cfg = config.load()
    else:  # a copy: the run's own settings below must not change the course's
        cfg = config.from_plain(config.to_plain(options.course.cfg))
    if options.cell_seconds is not None:
        cfg.Execute.timeout = int(options.cell_seconds)
    elif cfg.Execute.get("timeout", "unset") == "unset" and nbgrader_default:
        cfg.Execute.timeout = _default_timeout()
    lab_settings = lab.settings()
    wall = float(options.wall_seconds or lab_settings.grading_seconds)
    limits = Limits(
        wall_seconds=wall,
        # nbgrader's None means no per-cell limit: the submission's wall-clock budget remains
        cell_seconds=int(cfg.Execute.get("timeout", None) or wall),
        memory_mb=int(options.memory_mb or lab_settings.memory_mb),
        network=lab_settings.network,
    )
    preload = lab_settings.preload
    if preload is None:  # the locked cells are the same in the source and the release
        preload = _imports_of_locked_cells(
            [nbformat.writes(lab.source(nb)) for nb in lab.notebooks]
        )
    return Plan(cfg, limits, tuple(preload))


def _default_timeout() -> int | None:
    from nbgrader.preprocessors import Execute

    return Execute.timeout.default_value


def settle(plan: Plan) -> Plan:
    """`plan` with nbgrader's default cell timeout where the course left it unset."""
    if plan.cfg.Execute.get("timeout", "unset") != "unset":
        return plan
    cfg = config.from_plain(config.to_plain(plan.cfg))
    cfg.Execute.timeout = _default_timeout()
    wall = plan.limits.wall_seconds
    limits = replace(plan.limits, cell_seconds=int(cfg.Execute.timeout or wall))
    return Plan(cfg, limits, plan.preload)


def bundle_for(
    lab: Lab, options: Options, private: Iterable[Path] = (), plan: Plan | None = None
) -> tuple[LabBundle, list[str]]:
    """The lab as workers need it, plus what differs between labs/ and a fresh release."""
    plan = plan or plan_for(lab, options)
    with tempfile.TemporaryDirectory(prefix="mlops-template-") as tmp:
        generated = release.generate(
            lab, Path(tmp), Path(tmp) / "template.db", base=plan.cfg if options.course else None
        )
        released = {nb: (generated.folder / f"{nb}.ipynb").read_text() for nb in lab.notebooks}
        template = generated.gradebook.read_bytes()
        stale = _release_differs(lab, released)
    bundle = LabBundle(
        lab=lab.name,
        notebooks=tuple(lab.notebooks),
        release=released,
        extra_files=lab.extra_files(),
        template_db=template,
        config=config.to_plain(plan.cfg),
        limits=plan.limits,
        preload=plan.preload,
        private=tuple(str(p) for p in private),
        sandbox=options.sandbox,
        course_id=options.course.course_id if options.course else gradebook.COURSE_ID,
        streams="nbgrader" if options.course else "course",
        feedback=options.feedback,
    )
    return bundle, stale


def _release_differs(lab: Lab, released: dict[str, str]) -> list[str]:
    """What differs between the lab's release folder and a fresh release of its source.

    Only when a release exists: an assignment not released yet (no notebook in its release
    folder) has nothing to differ from, and a warning about it would only be noise."""
    if not any(lab.release_path(nb).is_file() for nb in lab.notebooks):
        return []
    shown, source = settings.display_path(lab.release_dir), settings.display_path(lab.source_dir)
    return [
        f"{shown}/{nb}.ipynb differs from a fresh release of {source}"
        if lab.release_path(nb).is_file()
        else f"{shown}/{nb}.ipynb is missing from the release of {source}"
        for nb in lab.notebooks
        if not lab.release_path(nb).is_file() or lab.release_path(nb).read_text() != released[nb]
    ]


def _imports_of_locked_cells(releases: list[str]) -> list[str]:
    """Modules the lab's own (locked) cells import: what the kernel factory preloads."""
    import ast

    import nbformat

    from mlops_course.grading.lab import is_locked

    modules: list[str] = []
    for text in releases:
        nb = nbformat.reads(text, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code" or not is_locked(cell):
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules += [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules.append(node.module)
                    modules += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
    return list(dict.fromkeys(modules))


def _dispatch(
    bundle: LabBundle,
    todo: list[Submission],
    options: Options,
    on_done: Callable[[Submission, Outcome], None],
    sandboxes: list | None = None,
) -> None:
    jobs = options.jobs or os.cpu_count() or 1
    if options.scheduler:
        _dispatch_dask(bundle, todo, options.scheduler, jobs, on_done)
    elif jobs == 1 or len(todo) == 1:
        worker_for(bundle)
        for sub in todo:
            on_done(sub, grade_task(bundle, sub))
    else:
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        counter = ctx.Value("i", 0)
        with ProcessPoolExecutor(
            min(jobs, len(todo)),
            mp_context=ctx,
            initializer=_pool_init,
            initargs=(bundle, sandboxes or [], counter),
        ) as pool:
            futures = {pool.submit(_pool_task, sub): sub for sub in todo}
            for future in as_completed(futures):
                sub = futures[future]
                on_done(sub, _result(future, sub))


def grade_submissions(
    bundle: LabBundle, subs: list[Submission], jobs: int | None = None
) -> dict[str, Outcome]:
    """Outcomes of `subs` graded with `bundle`, nothing written anywhere (the self-check's run)."""
    outcomes: dict[str, Outcome] = {}

    def keep(sub: Submission, outcome: Outcome) -> None:
        outcomes[sub.student] = outcome

    _dispatch(bundle, subs, Options(jobs=jobs), keep)
    return outcomes


def _result(future, sub: Submission) -> Outcome:
    try:
        return future.result()
    except Exception as err:  # noqa: BLE001 - a worker process died; the cohort goes on
        return Outcome(
            sub.student,
            Status.CRASHED,
            f"the grading worker died while grading this submission ({type(err).__name__}: {err})",
            digest=sub.digest,
        )


def _dispatch_dask(bundle, todo, address, jobs, on_done) -> None:
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster = None
    if address == "local":
        cluster = LocalCluster(
            n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        client = Client(address, timeout=30)
    try:
        [shared] = client.scatter([bundle], broadcast=True)
        futures = {
            client.submit(
                grade_task, shared, sub, key=f"grade-{bundle.lab}-{i}-{sub.digest[:8]}", pure=False
            ): sub
            for i, sub in enumerate(todo)
        }
        for future in dask_completed(futures):
            sub = futures[future]
            on_done(sub, _result(future, sub))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --- the run --------------------------------------------------------------------------------


def _safe(name: str) -> str:
    return name.replace(os.sep, "_")


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if isinstance(data, str):
        tmp.write_text(data, encoding="utf-8")
    else:
        tmp.write_bytes(data)
    tmp.replace(path)


def _course_config(out: Path) -> str:
    labs = settings.LABS_DIR
    return f'''"""Written by `mlops-course grade`: nbgrader commands (formgrader, export,
generate_feedback, autograde) work on this folder with the course's settings."""
c = get_config()  # noqa: F821
load_subconfig({str(config.CONFIG_FILE)!r})  # noqa: F821
c.CourseDirectory.root = {str(out)!r}
c.CourseDirectory.release_directory = {str(labs)!r}
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = {config.sqlite_url(out / "gradebook.db")!r}
'''


def _ensure_assignment(
    lab: Lab, course_db: Path, template: bytes, course_id: str = gradebook.COURSE_ID
) -> None:
    """The course gradebook knows the lab's cells (nbgrader refuses changes once graded)."""
    if not course_db.exists():
        _write(course_db, template)
        return
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "t.db"
        fresh.write_bytes(template)
        if _cells(fresh, lab.name, course_id) == _cells(course_db, lab.name, course_id):
            return
        try:
            release.generate(lab, Path(tmp) / "w", gradebook=course_db)
        except release.ReleaseError as err:
            raise gradebook.GradebookError(
                f"{course_db} already holds grades for {lab.name} with other cells than "
                f"solutions/{lab.name} has now ({err}). Grade into a new folder (--out) or undo "
                "the change to the lab."
            ) from err


def _cells(db: Path, lab: str, course_id: str = gradebook.COURSE_ID) -> dict:
    try:
        with gradebook.open_gradebook(db, course_id) as gb:
            assignment = gb.find_assignment(lab)
            return {
                (nb.name, c.name): c.checksum
                for nb in assignment.notebooks
                for c in nb.source_cells
            }
    except Exception:  # noqa: BLE001 - not there yet
        return {}


@dataclass
class _Run:
    """One grading run of one lab: where it writes, and what it found at the start."""

    lab: Lab
    out: Path
    options: Options
    subs: list[Submission]
    ledger: dict[str, dict]  # every student's latest summary, from status.json
    started: float
    todo: list[Submission] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unchanged and already in the gradebook
    reused: list[str] = field(default_factory=list)  # graded by an interrupted run
    fixed: dict[str, float] = field(default_factory=dict)  # the run's fixed cost, by phase

    @property
    def course(self) -> CourseLayout | None:
        return self.options.course

    @property
    def course_id(self) -> str:
        return self.course.course_id if self.course else gradebook.COURSE_ID

    @property
    def course_db(self) -> Path:
        return self.course.gradebook if self.course else self.out / "gradebook.db"

    @property
    def work(self) -> Path:
        return (self.course.state if self.course else self.out) / ".work" / self.lab.name

    @property
    def report_dir(self) -> Path:
        return (self.course.state if self.course else self.out) / "reports" / self.lab.name

    def folder(self, step: str, student: str) -> Path:
        """nbgrader's folder of `student`'s submission at `step` (autograded, feedback, ...)."""
        if self.course:
            return self.course.folder(step, student, self.lab.name)
        return self.out / step / _safe(student) / self.lab.name

    @property
    def ledger_path(self) -> Path:
        return self.report_dir / "status.json"

    def pending(self, student: str, suffix: str) -> Path:
        """A graded submission waiting to be merged: its gradebook (.db) or summary (.json)."""
        return self.work / f"{_safe(student)}{suffix}"


def grade(lab: Lab | str, submissions_dir: Path, options: Options | None = None) -> RunResult:
    """Grade every submission of a lab in a folder; write gradebook, feedback and reports."""
    options = options or Options()
    started = time.perf_counter()
    lab = get_lab(lab) if isinstance(lab, str) else lab
    default_out = options.course.root if options.course else settings.WORKSPACE / "grading"
    out = Path(options.out or default_out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    submissions_dir = Path(submissions_dir).resolve()
    subs = collect(submissions_dir, lab.name, lab.notebooks, options.roster)
    if options.course:  # as `nbgrader autograde`: only students who submitted this assignment
        subs = [s for s in subs if Path(s.origin).name == lab.name]
    private = (submissions_dir, out)
    plan = plan_for(lab, options, nbgrader_default=False)
    run = _Run(lab, out, options, subs, {}, started)
    run.ledger = json.loads(run.ledger_path.read_text()) if run.ledger_path.exists() else {}
    _sort_out(run)
    withdrawn = _withdraw(run, submissions_dir)
    # Kernel factories import for seconds: launch the pool's sandboxes now, so they get ready
    # while this process imports nbgrader and prepares the lab. Forked workers adopt them.
    early = _launch_early(run, plan, private)
    try:
        with collector_paused():  # the pool's workers are forked with nbgrader loaded
            import nbgrader.preprocessors  # noqa: F401

            # What this process holds now lives for the whole run: out of the collector's
            # reach until it ends, so neither this process's collections nor those of the
            # workers forked from it walk it again (and copy its pages in each worker).
            gc.freeze()
        plan = settle(plan)
        for box in early:  # the kernels' limits do not depend on the cell limit: same sandboxes
            box.limits = plan.limits
        bundle, stale = bundle_for(lab, options, private=private, plan=plan)
        config.ensure_venv_on_path()
        _ensure_assignment(lab, run.course_db, bundle.template_db, run.course_id)
        if options.course is None:  # a course folder of its own keeps its own config
            _write(out / "nbgrader_config.py", _course_config(out))
        if (
            options.write_submitted
            and options.course is None
            and submissions_dir != (out / "submitted").resolve()
        ):
            for sub in subs:
                _copy_submission(sub, out / "submitted" / sub.student / lab.name)
        result = _grade_todo(run, bundle, early)
    finally:
        gc.unfreeze()  # a caller in the same process gets its objects back as they were
        closing = time.perf_counter()
        for box in early:
            box.close()
        closing = time.perf_counter() - closing
    _record_timing(run, result, closing)
    result.stale = stale
    result.withdrawn = withdrawn
    return result


def _withdraw(run: _Run, submissions_dir: Path) -> list[str]:
    """Students graded from `submissions_dir` before whose folder is gone: removed everywhere.

    Only folders this submissions folder held count (the ledger keeps where each submission came
    from), so grading another folder into the same place never withdraws anyone.
    """
    present = {sub.student for sub in run.subs}
    gone = []
    for student, summary in run.ledger.items():
        origin = summary.get("origin")
        if student in present or not origin:
            continue
        if Path(origin).is_relative_to(submissions_dir) and not Path(origin).exists():
            gone.append(student)
    if not gone:
        return []
    gradebook.remove_submissions(run.course_db, run.lab.name, gone, run.course_id)
    for student in gone:
        run.ledger.pop(student)
        for kind in ("autograded", "feedback", "submitted"):
            if run.course and kind == "submitted":
                continue  # the course's own submissions are the instructor's, never touched
            shutil.rmtree(run.folder(kind, student), ignore_errors=True)
        for suffix in (".db", ".json"):
            run.pending(student, suffix).unlink(missing_ok=True)
    _write(run.ledger_path, json.dumps(run.ledger, indent=1, sort_keys=True, ensure_ascii=False))
    return sorted(gone)


def _sort_out(run: _Run) -> None:
    """Which submissions to grade, which to skip (unchanged), which to merge as they are."""
    in_gradebook = gradebook.students_with_submissions(run.course_db, run.lab.name)
    force = run.options.force
    for sub in run.subs:
        done = run.ledger.get(sub.student)
        if not force and done and done.get("digest") == sub.digest and sub.student in in_gradebook:
            run.skipped.append(sub.student)
            continue
        summary = run.pending(sub.student, ".json")
        if (
            not force
            and summary.exists()
            and run.pending(sub.student, ".db").exists()
            and json.loads(summary.read_text()).get("digest") == sub.digest
        ):
            run.reused.append(sub.student)
            continue
        run.todo.append(sub)


def _launch_early(run: _Run, plan: Plan, private: tuple[Path, ...]) -> list[Sandbox]:
    """The sandboxes of a process pool, launched before the pool exists (none without a pool)."""
    early: list[Sandbox] = []
    jobs = run.options.jobs or os.cpu_count() or 1
    if not run.options.scheduler and min(jobs, len(run.todo)) > 1:
        use = {"auto": None, "on": True, "off": False}[run.options.sandbox]
        for _ in range(min(jobs, len(run.todo))):
            streams = "nbgrader" if run.course else "course"
            box = Sandbox(
                run.lab.name, plan.limits, plan.preload, private, use_bwrap=use, streams=streams
            )
            box.launch()
            early.append(box)
    return early


def _grade_todo(run: _Run, bundle: LabBundle, early: list[Sandbox]) -> RunResult:
    lab, options = run.lab, run.options
    outcomes: dict[str, Outcome] = {}
    bar = _progress(len(run.todo), lab.name, options.progress)

    dispatched = time.perf_counter()
    first: list[float] = []

    def on_done(sub: Submission, outcome: Outcome) -> None:
        if not first:  # start-up: the pool or cluster, each worker's imports and sandbox
            first.append(time.perf_counter() - dispatched - outcome.seconds.get("total", 0.0))
        outcomes[sub.student] = outcome
        _persist(outcome, sub, run)
        bar.set_postfix_str(f"{sub.student[:18]}: {outcome.status.value}", refresh=False)
        bar.update(1)

    try:
        if run.todo:
            _dispatch(bundle, run.todo, options, on_done, early)
    finally:
        bar.close()
    grading_seconds = time.perf_counter() - run.started
    t = time.perf_counter()
    _merge(run, [s.student for s in run.subs if s.student in outcomes or s.student in run.reused])
    merge_seconds = time.perf_counter() - t

    result = RunResult(lab.name, run.out, outcomes, run.ledger, run.skipped, run.reused)
    result.sandbox = next((o.sandbox for o in outcomes.values() if o.sandbox), "") or next(
        (s.get("sandbox", "") for s in run.ledger.values() if s.get("sandbox")), ""
    )
    t = time.perf_counter()
    if options.reports:
        result.files = reports.write_all(
            build_report(lab, run.course_db, run.ledger, result.sandbox, run.course_id),
            run.report_dir,
            html=options.report_html,
        )
    result.files["status.json"] = run.ledger_path
    result.files["gradebook.db"] = run.course_db
    reports_seconds = time.perf_counter() - t
    result.seconds = {
        "grading": round(grading_seconds, 2),
        "merge": round(merge_seconds, 3),
        "total": round(time.perf_counter() - run.started, 2),
    }
    run.fixed = {
        "prepare": dispatched - run.started,  # submissions read, lab and template gradebook
        "start_workers": first[0] if first else 0.0,
        "merge": merge_seconds,
        "reports": reports_seconds,
    }
    return result


def _record_timing(run: _Run, result: RunResult, closing: float) -> None:
    """The run's fixed cost, phase by phase, and the median phases of a submission, in
    `reports/<lab>/run.json` beside the per-student ledger (status.json, whose `seconds` hold
    each submission's phases)."""
    import statistics

    fixed = {
        # the command's own start: the interpreter, its imports, reading the course's config
        "before_run": max(run.started - _process_started(), 0.0),
        **run.fixed,
        "close_sandboxes": closing,
    }
    phases: dict[str, list[float]] = {}
    for outcome in result.outcomes.values():
        for phase, seconds in outcome.seconds.items():
            phases.setdefault(phase, []).append(seconds)
    _write(
        run.report_dir / "run.json",
        json.dumps(
            {
                "submissions": len(result.outcomes),
                "jobs": run.options.jobs or os.cpu_count(),
                "scheduler": run.options.scheduler,
                "seconds": {**result.seconds, **{k: round(v, 3) for k, v in fixed.items()}},
                "fixed_seconds": round(sum(fixed.values()), 3),
                "submission_median_seconds": {
                    k: round(statistics.median(v), 4) for k, v in sorted(phases.items())
                },
            },
            indent=1,
        ),
    )


def _process_started() -> float:
    """When this process started, on `time.perf_counter`'s clock (to a clock tick, 10 ms).

    From the start time Linux records in /proc/self/stat, in ticks since boot, against the
    boot-time clock; psutil's `create_time` adds the boot time in whole seconds, which is up to a
    second off. Elsewhere: now (no start-up counted)."""
    try:
        with open("/proc/self/stat") as fh:
            ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, AttributeError):
        age = 0.0
    return time.perf_counter() - age


def _merge(run: _Run, students: list[str]) -> None:
    """Merge everything graded but not yet merged, in one transaction; then the ledger."""
    dbs = [run.pending(s, ".db") for s in students if run.pending(s, ".db").exists()]
    gradebook.merge(run.course_db, run.lab.name, dbs, run.course_id)
    by_student = {s.student: s for s in run.subs}
    for student in students:
        summary_path = run.pending(student, ".json")
        if summary_path.exists():
            run.ledger[student] = json.loads(summary_path.read_text())
            run.ledger[student]["section"] = by_student[student].section
    _write(run.ledger_path, json.dumps(run.ledger, indent=1, sort_keys=True, ensure_ascii=False))
    for student in students:
        for suffix in (".db", ".json"):
            run.pending(student, suffix).unlink(missing_ok=True)


def _copy_submission(sub: Submission, folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    for rel, data in sub.files.items():
        _write(folder / rel, data)
    if sub.timestamp:
        _write(folder / "timestamp.txt", sub.timestamp)


def _persist(outcome: Outcome, sub: Submission, run: _Run) -> None:
    """Keep what a worker produced on disk at once, so an interrupted run loses nothing."""
    name, work, options = _safe(sub.student), run.work, run.options
    graded = run.folder("autograded", sub.student)
    if run.course:  # as `nbgrader autograde`: the submission's files, then the source's over them
        _copy_submission(sub, graded)
        for rel, data in run.lab.extra_files().items():
            _write(graded / rel, data)
    for nb, text in outcome.graded.items():
        _write(graded / f"{nb}.ipynb", text)
    if options.feedback:
        for nb, text in outcome.feedback.items():
            _write(run.folder("feedback", sub.student) / f"{nb}.html", text)
        _feedback_receipts(sub, run.folder("feedback", sub.student))
    if outcome.gradebook:
        _write(work / f"{name}.db", outcome.gradebook)
    summary = outcome.summary()
    summary.update(
        origin=sub.origin,
        first_name=sub.first_name,
        last_name=sub.last_name,
        email=sub.email,
        lms_user_id=sub.lms_user_id,
        section=sub.section,
    )
    if not outcome.gradebook:  # the worker failed: record the status, keep zeros
        summary["no_gradebook"] = True
    _write(work / f"{name}.json", json.dumps(summary, indent=1, ensure_ascii=False))


def _feedback_receipts(sub: Submission, folder: Path) -> None:
    """What `nbgrader release_feedback` reads beside the feedback, as nbgrader's own feedback has.

    nbgrader's exchange names released feedback by a hash of the submission's secret, so only the
    student who holds that secret (in their own submission cache) can fetch it.
    """
    if sub.timestamp:
        _write(folder / "timestamp.txt", sub.timestamp)
    if "submission_secret.txt" in sub.files:
        _write(folder / "submission_secret.txt", sub.files["submission_secret.txt"])


def _progress(total: int, lab: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=f"grading {lab}",
        unit="submission",
        file=sys.stderr,
        disable=not enabled or total == 0,
        dynamic_ncols=True,
        smoothing=0.1,
    )


def build_report(
    lab: Lab,
    course_db: Path,
    ledger: dict[str, dict],
    sandbox: str,
    course_id: str = gradebook.COURSE_ID,
) -> reports.Report:
    """Every student in the ledger, with their per-question scores from the course gradebook."""
    import nbformat

    questions = []
    for nb_name in lab.notebooks:
        source = nbformat.read(lab.source_path(nb_name), as_version=4)
        for gid, cell in cells_by_id(source).items():
            if is_test(cell):
                questions.append(
                    reports.Question(
                        f"{nb_name}/{gid}",
                        nb_name,
                        gid,
                        float(cell.metadata.nbgrader.get("points", 0)),
                    )
                )
    scores = gradebook.course_scores(course_db, lab.name, course_id)
    rows = []
    for student, summary in sorted(ledger.items()):
        grades = scores.get(student)
        cell_scores = {}
        if grades is not None:
            for nb_name, cells in grades.grades.items():
                for cell, g in cells.items():
                    cell_scores[f"{nb_name}/{cell}"] = g.score
        rows.append(
            reports.Row(
                student=student,
                first_name=summary.get("first_name"),
                last_name=summary.get("last_name"),
                email=summary.get("email"),
                lms_user_id=summary.get("lms_user_id"),
                section=summary.get("section"),
                status=summary.get("status", ""),
                reason=summary.get("reason", ""),
                notes=summary.get("notes", [])
                if summary.get("status") != Status.CRASHED.value or not summary.get("no_gradebook")
                else summary.get("notes", [])[:1],
                scores=cell_scores,
                total=sum(cell_scores.values()),
                max_score=sum(q.points for q in questions),
                seconds=float(summary.get("seconds", {}).get("total", 0.0)),
            )
        )
    return reports.Report(lab.name, questions, rows, sandbox)
