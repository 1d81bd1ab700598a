"""The grading engine: nbgrader's autograde semantics, one submission per worker, in a sandbox.

For every submission a worker runs the same nbgrader preprocessors, in the same order and with
the same configuration, as `nbgrader autograde`:
    sanitize   ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells (locked cells and
               hidden tests restored from the source by checksum), CheckCellMetadata
    execute    nbgrader's Execute: every cell runs, errors recorded, a cell past the time limit
               interrupted; here on a kernel forked in the sandbox (see `kernels`)
    autograde  IgnorePattern, ClearMetadata, LimitOutput, SaveAutoGrades (partial credit as
               nbgrader gives it), AssignLatePenalties, CheckCellMetadata
so its per-cell scores are nbgrader's. What it adds:
    - speed: work done once per worker (configuration, preprocessors, a template gradebook, the
      lab's imports in the kernel factory) and each fresh kernel started ahead of need;
    - safety: student code in bubblewrap with resource limits and a wall-clock budget;
    - a status and a reason for every submission; a broken submission never stops the cohort.

Every submission ends in exactly one `outcomes.Status`, with a reason.
The nbgrader and nbclient internals it relies on are all in `nbgrader_overrides`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import signal
import socket
import tempfile
import threading
import time
import weakref
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from mlops_course.grading import config, gradebook
from mlops_course.grading.lab import (
    cell_name,
    cells_by_id,
    grade_id,
    is_locked,
    is_test,
)
from mlops_course.grading.nbgrader_overrides import (
    SandboxKernelManager,
    executor_class,
    one_gradebook,
    preprocessor_gradebook,
    speed_up_nbgrader,
)
from mlops_course.grading.outcomes import Outcome, Status, SubmissionGrades
from mlops_course.grading.sandbox import (
    Limits,
    Sandbox,
    SandboxError,
    reap_stale_folders,
)
from mlops_course.grading.submissions import Submission


@dataclass(frozen=True)
class LabBundle:
    """Everything a worker needs about a lab, picklable so it can travel to Dask workers."""

    lab: str
    notebooks: tuple[str, ...]
    release: dict[str, str]  # notebook -> release JSON (what students started from)
    extra_files: dict[str, bytes]
    template_db: bytes
    config: dict[str, Any]
    limits: Limits
    preload: tuple[str, ...]
    private: tuple[str, ...] = ()
    sandbox: str = "auto"  # "auto", "on" or "off"
    course_id: str = gradebook.COURSE_ID  # nbgrader's CourseDirectory.course_id
    streams: str = "course"  # `Sandbox.streams`: "nbgrader" for another course's drop-in run
    feedback: bool = True  # render feedback pages (a run that writes none need not make them)

    @property
    def key(self) -> str:
        h = hashlib.sha256()
        h.update(self.lab.encode())
        h.update(json.dumps(self.release, sort_keys=True).encode())
        h.update(self.template_db)
        knobs = (self.limits, self.preload, self.private, self.sandbox, self.feedback)
        h.update(repr((*knobs, self.course_id, self.streams)).encode())
        h.update(json.dumps(self.config, sort_keys=True, default=str).encode())
        return h.hexdigest()[:16]


# --- the worker ------------------------------------------------------------------------------


class _Finding:
    def __init__(self, status: Status, reason: str) -> None:
        self.status, self.reason = status, reason


@dataclass
class _Gathered:
    """What grading one submission has gathered so far."""

    db: Path  # the per-submission gradebook
    notes: list[str]
    findings: list[_Finding] = field(default_factory=list)
    graded: dict[str, str] = field(default_factory=dict)  # notebook -> autograded JSON
    feedback: dict[str, str] = field(default_factory=dict)  # notebook -> HTML
    failed: set[str] = field(default_factory=set)  # notebooks that could not be graded
    changed: dict[str, list[str]] = field(default_factory=dict)  # notebook -> tampered cells
    seconds: Counter = field(default_factory=Counter)

    @contextlib.contextmanager
    def timed(self, step: str):
        """Add the time the block takes to `seconds[step]` (when it does not raise)."""
        t = time.perf_counter()
        yield
        self.seconds[step] += time.perf_counter() - t


class Worker:
    """Grades submissions of one lab, one at a time, each on a fresh sandboxed kernel."""

    def __init__(self, bundle: LabBundle, sandbox: Sandbox | None = None) -> None:
        # The kernel factory imports for seconds: start it first (unless the parent already
        # did, before forking this worker) and set up the rest meanwhile.
        self.sandbox = sandbox or new_sandbox(bundle)
        self.sandbox.launch()
        speed_up_nbgrader()
        from nbconvert.preprocessors import ClearMetadataPreprocessor
        from nbgrader.preprocessors import (
            AssignLatePenalties,
            CheckCellMetadata,
            ClearOutput,
            DeduplicateIds,
            IgnorePattern,
            LimitOutput,
            OverwriteCells,
            OverwriteKernelspec,
            SaveAutoGrades,
        )

        self.bundle = bundle
        self.cfg = config.from_plain(bundle.config)
        self.log = config.quiet_logger()
        self.release = {
            nb: nbformat.reads(text, as_version=4) for nb, text in bundle.release.items()
        }
        self.locked = {
            nb: {
                gid: (cell.metadata.nbgrader.get("checksum"), cell.cell_type, is_test(cell))
                for gid, cell in cells_by_id(rel).items()
                if is_locked(cell)
            }
            for nb, rel in self.release.items()
        }

        def make(cls):
            return cls(config=self.cfg, log=self.log)

        self.sanitize = [
            make(c)
            for c in (
                ClearOutput,
                DeduplicateIds,
                OverwriteKernelspec,
                OverwriteCells,
                CheckCellMetadata,
            )
        ]
        # Timeouts and dead kernels are expected here and reported as statuses, not logged.
        self.executor = executor_class()(
            config=self.cfg,
            log=config.quiet_logger("mlops_course.nbgrader.execute", logging.CRITICAL),
        )
        self.autograde = [
            make(c)
            for c in (
                IgnorePattern,
                ClearMetadataPreprocessor,
                LimitOutput,
                _commit_once(SaveAutoGrades),
                AssignLatePenalties,
                CheckCellMetadata,
            )
        ]
        self._feedback = None
        # Per-submission gradebooks commit after every cell: keep them in memory-backed storage.
        shm = Path("/dev/shm")
        where = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
        reap_stale_folders("mlops-worker-", where)
        self.tmp = Path(tempfile.mkdtemp(prefix=f"mlops-worker-{os.getpid()}-", dir=where))
        self.submission_db = gradebook.submission_template(
            bundle.template_db, bundle.lab, self.tmp, bundle.course_id
        )
        try:
            self.sandbox.wait_ready()
        except SandboxError:  # a sandbox launched for us that did not come up: start our own
            self.sandbox.close()
            self.sandbox = new_sandbox(bundle)
            self.sandbox.start()
        self.next_kernel = self.sandbox.spawn()  # started ahead of need
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._finalizer = weakref.finalize(self, _close, self.sandbox, self.tmp)

    def close(self) -> None:
        self._finalizer()

    @property
    def feedback(self):
        if self._feedback is None:
            from mlops_course.grading.feedback import FeedbackRenderer

            self._feedback = FeedbackRenderer(self.cfg)
        return self._feedback

    # --- one submission -----------------------------------------------------------------

    def grade(self, sub: Submission) -> Outcome:
        started = time.perf_counter()
        got = _Gathered(
            db=self.tmp / "submission.db",
            notes=[f"file left out (over 20 MB): {f}" for f in sub.skipped],
        )
        with got.timed("gradebook"):
            got.db.write_bytes(self.submission_db)
            gradebook.claim_submission(
                got.db, sub.student, timestamp=sub.timestamp, names=sub.names()
            )
        with one_gradebook(config.sqlite_url(got.db)):
            for nb_name in self.bundle.notebooks:
                if not self._grade_notebook(nb_name, sub, got):
                    got.failed.add(nb_name)
        with got.timed("gradebook"):
            grades = gradebook.read_submission(
                got.db, self.bundle.lab, sub.student, self.bundle.course_id
            )
        return self._outcome(sub, got, grades, started)

    def _grade_notebook(self, nb_name: str, sub: Submission, got: _Gathered) -> bool:
        """Sanitize, execute and autograde one notebook; False when it could not be graded."""
        lab, student, filename = self.bundle.lab, sub.student, f"{nb_name}.ipynb"
        if filename not in sub.files:
            got.findings.append(self._missing(filename, sub))
            with got.timed("gradebook"):
                gradebook.zero_notebook(got.db, lab, student, nb_name, self.bundle.course_id)
            return False
        nb, problem = _parse(sub.files[filename])
        if problem:
            got.findings.append(_Finding(Status.INVALID, f"{filename}: {problem}"))
            return False
        for cell, problem in self._tampering(nb_name, nb):
            got.findings.append(_Finding(Status.TAMPERED, f"{filename}: {problem}"))
            got.changed.setdefault(nb_name, []).append(cell)
        resources = self._resources(nb_name, student, got.db)
        try:
            with got.timed("sanitize"):
                for pp in self.sanitize:
                    nb, resources = pp(nb, resources)
                nb = nbformat.reads(nbformat.writes(nb), as_version=4)  # as nbgrader's write + read
        except Exception as err:  # noqa: BLE001 - nbgrader refused the metadata
            got.findings.append(
                _Finding(
                    Status.INVALID,
                    f"{filename}: nbgrader cannot read its "
                    f"metadata ({type(err).__name__}: {err})",
                )
            )
            return False
        run = self._execute(nb_name, nb, sub, resources, got.seconds)
        got.notes += run["notes"]
        got.findings += [_Finding(Status.TAMPERED, f"{filename}: {t}") for t in run["tampering"]]
        if run["failure"] is not None:
            got.findings.append(run["failure"])
            return False
        nb = run["nb"]
        got.findings += self._classify(filename, nb)
        with got.timed("gradebook"):
            for pp in self.autograde:
                nb, resources = pp(nb, resources)
        got.graded[nb_name] = nbformat.writes(nb)
        if not self.bundle.feedback:
            return True
        with got.timed("feedback"):
            got.feedback[nb_name] = self.feedback.render(
                nb,
                db_url=config.sqlite_url(got.db),
                lab=lab,
                student=student,
                notebook=nb_name,
                timeout=self.executor.timeout,
            )
        return True

    def _missing(self, filename: str, sub: Submission) -> _Finding:
        expected = {f"{n}.ipynb" for n in self.bundle.notebooks}
        present = sorted(name for name in sub.files if name.endswith(".ipynb"))
        others = ", ".join(p for p in present if p not in expected) or "no notebook"
        return _Finding(
            Status.MISSING,
            f"{filename} is not in the submission "
            f"(found: {others}); rename it and submit again",
        )

    def _outcome(
        self, sub: Submission, got: _Gathered, grades: SubmissionGrades, started: float
    ) -> Outcome:
        """The submission's status (the most serious finding), feedback pages and scores."""
        worst = max(got.findings, key=lambda f: f.status.severity, default=None)
        status = worst.status if worst else Status.GRADED
        reasons = [f.reason for f in sorted(got.findings, key=lambda f: -f.status.severity)]
        reason = "; ".join(reasons) if reasons else "every cell ran"
        from mlops_course.grading.feedback import status_page

        for nb_name in got.failed if self.bundle.feedback else ():
            got.feedback[nb_name] = status_page(
                lab=self.bundle.lab,
                notebook=nb_name,
                student=sub.student,
                status=status.value,
                reason=reason,
            )
        cells = {
            nb: {cell: [g.auto_score, g.max_score] for cell, g in nb_cells.items()}
            for nb, nb_cells in grades.grades.items()
        }
        max_score = sum(g.max_score for c in grades.grades.values() for g in c.values())
        got.seconds["total"] = time.perf_counter() - started
        return Outcome(
            student=sub.student,
            status=status,
            reason=reason,
            notes=got.notes,
            score=grades.score(),
            max_score=max_score,
            cells=cells,
            changed=got.changed,
            graded=got.graded,
            feedback=got.feedback,
            gradebook=got.db.read_bytes(),
            seconds={k: round(v, 4) for k, v in got.seconds.items()},
            digest=sub.digest,
            sandbox=self.sandbox.describe(),
            worker=self.name,
        )

    def _resources(self, nb_name: str, student: str, db: Path) -> dict:
        return {
            "nbgrader": {
                "notebook": nb_name,
                "assignment": self.bundle.lab,
                "student": student,
                "db_url": config.sqlite_url(db),
            },
            "unique_key": nb_name,
            "metadata": {"name": nb_name, "path": self.sandbox.lab_dir_inside()},
        }

    def _tampering(self, nb_name: str, nb) -> list[tuple[str, str]]:
        """(cell id, what was done to it) for every locked or test cell not as released."""
        from nbgrader.utils import compute_checksum

        problems = []
        counts = Counter(gid for c in nb.cells if (gid := grade_id(c)))
        present = {grade_id(c): c for c in nb.cells if grade_id(c)}
        for gid, (checksum, cell_type, test) in self.locked[nb_name].items():
            kind = "test cell" if test else "locked cell"
            if gid not in present:
                problems.append((gid, f"{kind} {gid} was deleted"))
                continue
            if counts[gid] > 1:
                problems.append((gid, f"{kind} {gid} appears {counts[gid]} times"))
            cell = present[gid]
            try:
                same = cell.cell_type == cell_type and compute_checksum(cell) == checksum
            except (KeyError, TypeError, ValueError):
                same = False
            if not same:
                problems.append((gid, f"{kind} {gid} was edited"))
        for gid, n in counts.items():
            if n > 1 and gid not in self.locked[nb_name]:
                problems.append((gid, f"cell {gid} appears {n} times"))
        return problems

    def _classify(self, filename: str, nb) -> list[_Finding]:
        findings = []
        timeout = self.executor.timeout
        for index, cell in enumerate(nb.cells):
            for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
                if out.get("output_type") != "error":
                    continue
                name = cell_name(cell, index)
                if out.get("ename") == "CellTimeoutError":
                    findings.append(
                        _Finding(
                            Status.TIMED_OUT,
                            f"{filename}: {name} ran longer "
                            f"than the {timeout} s cell limit and was "
                            "interrupted",
                        )
                    )
                elif out.get("ename") == "MemoryError":
                    findings.append(
                        _Finding(
                            Status.MEMORY_LIMIT,
                            f"{filename}: {name} ran out "
                            f"of memory (limit {self.bundle.limits.memory_mb} "
                            "MB)",
                        )
                    )
        return findings

    def _take_kernel(self):
        kernel, self.next_kernel = self.next_kernel, None
        if kernel is None or not self.sandbox.alive():
            if not self.sandbox.alive():
                self.sandbox.restart()
            kernel = self.sandbox.spawn()
        return kernel

    def _write_files(self, nb_name: str, sub: Submission) -> None:
        folder = self.sandbox.lab_dir_host()
        files = {k: v for k, v in sub.files.items() if not k.endswith(".ipynb")}
        files.update(self.bundle.extra_files)  # nbgrader overwrites them with the source's copy
        # On disk, the notebook as the student submitted it (stock nbgrader leaves the same there
        # while it executes): the sanitized copy holds the hidden tests, which code in the
        # notebook could read and print into its own feedback.
        files[f"{nb_name}.ipynb"] = sub.files[f"{nb_name}.ipynb"]
        for rel, data in files.items():
            target = (folder / rel).resolve()
            if folder.resolve() not in target.parents:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            if self.sandbox.kernel_uid is not None:
                for path in [target, *[p for p in target.parents if folder in p.parents]]:
                    os.chown(path, self.sandbox.kernel_uid, self.sandbox.kernel_uid)

    def _execute(self, nb_name, nb, sub, resources, seconds) -> dict:
        """Run a sanitized notebook on a fresh kernel; never raises for what students do."""
        from nbclient.exceptions import DeadKernelError

        limits = self.bundle.limits
        kernel = self._take_kernel()
        waited = time.perf_counter()
        self._write_files(nb_name, sub)
        ex = self.executor
        ex.start_run(limits.output_bytes)
        verdict: dict[str, Any] = {}
        stop = threading.Event()
        watchdog = threading.Thread(
            target=self._watch,
            args=(kernel, time.monotonic() + limits.wall_seconds, stop, verdict),
            daemon=True,
        )
        watchdog.start()
        failure: _Finding | None = None
        notes: list[str] = []
        km = SandboxKernelManager(self.sandbox, kernel)
        try:
            nb, resources = ex.preprocess(nb, resources, km=km)
        except DeadKernelError:
            failure = self._death(kernel, verdict, nb, ex)
        except Exception as err:  # noqa: BLE001 - the kernel or its channels broke
            failure = verdict.get("finding") or self._death(kernel, verdict, nb, ex)
            if failure.status is Status.CRASHED and "exited" not in failure.reason:
                failure = _Finding(
                    Status.CRASHED,
                    f"{nb_name}.ipynb: the kernel stopped answering ({type(err).__name__}: {err})",
                )
        finally:
            stop.set()
            watchdog.join(timeout=5)
            ex.release_kernel()
        ready = ex.kernel_ready or time.perf_counter()
        seconds["kernel_start"] += ready - waited
        seconds["execute"] += time.perf_counter() - ready
        if failure is None and verdict.get("finding") is not None:
            failure = verdict["finding"]
        for index in sorted(ex.cap.truncated):
            notes.append(
                f"{nb_name}.ipynb: {cell_name(nb.cells[index], index)} printed more "
                f"than {limits.output_bytes} bytes; the rest was cut"
            )
        if verdict.get("max_processes", 0) >= max(limits.processes // 2, 16) or any(
            "Resource temporarily unavailable" in str(o.get("evalue", ""))
            for c in nb.cells
            for o in c.get("outputs", [])
            if c.cell_type == "code"
        ):
            notes.append(
                f"{nb_name}.ipynb: student code hit the process limit "
                f"({limits.processes} processes and threads); the extra processes "
                "were stopped"
            )
        t = time.perf_counter()
        self.sandbox.cleanup(kernel)
        self.next_kernel = self.sandbox.spawn()
        seconds["cleanup"] += time.perf_counter() - t
        return {"nb": nb, "failure": failure, "notes": notes, "tampering": list(ex.tampering)}

    def _death(self, kernel, verdict, nb, ex) -> _Finding:
        if verdict.get("finding") is not None:
            return verdict["finding"]
        where = ""
        if ex.current_cell is not None and ex.current_cell < len(nb.cells):
            where = f" while running {cell_name(nb.cells[ex.current_cell], ex.current_cell)}"
        try:
            state = self.sandbox.status(kernel)
        except SandboxError:
            state = {}
        sig, code = state.get("signal"), state.get("code")
        if sig == signal.SIGXCPU:
            return _Finding(Status.TIMED_OUT, f"the kernel used all its CPU time{where}")
        if sig is not None:
            name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig
            extra = " (the machine may have run out of memory)" if sig == signal.SIGKILL else ""
            return _Finding(Status.CRASHED, f"the kernel was killed by {name}{where}{extra}")
        return _Finding(Status.CRASHED, f"the kernel exited with code {code}{where}")

    def _watch(self, kernel, deadline: float, stop: threading.Event, verdict: dict) -> None:
        """Wall-clock budget and memory of everything the kernel started; kill on breach."""
        limits = self.bundle.limits
        factory_rss = 0
        with contextlib.suppress(Exception):
            import psutil

            factory_rss = psutil.Process(self.sandbox.factory_host_pid).memory_info().rss
        # The kernel's own address-space limit (RLIMIT_AS, set in the factory) is the primary
        # guard: a single kernel that runs out gets a MemoryError and keeps the scores it has
        # earned. This watcher is the backstop for memory spread over many processes, so it
        # allows a quarter more; at the same figure, the two raced and the watcher sometimes
        # killed a kernel a moment before its MemoryError.
        budget = limits.memory_mb * 1024 * 1024 * 5 // 4 + factory_rss
        while not stop.wait(0.25):
            reason = None
            if time.monotonic() > deadline:
                where = ""
                ex = self.executor
                if ex.current_cell is not None:
                    where = f" (stopped in cell {ex.current_cell + 1})"
                reason = _Finding(
                    Status.TIMED_OUT,
                    f"the submission ran longer than its {limits.wall_seconds:.0f} s budget{where}",
                )
            else:
                procs = self.sandbox.kernel_processes()
                verdict["max_processes"] = max(verdict.get("max_processes", 0), len(procs))
                rss = 0
                for proc in procs:
                    with contextlib.suppress(Exception):
                        rss += proc.memory_info().rss
                if rss > budget:
                    # Forked kernels share most pages with the factory and with each other:
                    # RSS counts them once per process. Look closer before stopping anything.
                    rss = 0
                    for proc in procs:
                        with contextlib.suppress(Exception):
                            rss += proc.memory_full_info().pss
                if rss > budget:
                    reason = _Finding(
                        Status.MEMORY_LIMIT,
                        f"the kernel used more than {limits.memory_mb} MB and was stopped",
                    )
            if reason is not None:
                verdict["finding"] = reason
                with contextlib.suppress(SandboxError):
                    self.sandbox.signal(kernel, signal.SIGKILL)
                with contextlib.suppress(SandboxError):
                    self.sandbox.cleanup(kernel)
                return


def _commit_once(save_auto_grades: type) -> type:
    """nbgrader's SaveAutoGrades, committing once per notebook instead of once per cell.

    nbgrader's `_add_score` and `_add_comment` commit after every cell; here those commits only
    flush (so every later query sees the rows, as before) and one commit follows the last cell.
    Same rows, same values: the scores are still nbgrader's `determine_grade`.
    """

    class SaveAutoGradesOnce(save_auto_grades):
        def preprocess(self, nb, resources):
            info = resources["nbgrader"]
            self.notebook_id, self.assignment_id = info["notebook"], info["assignment"]
            self.student_id, self.db_url = info["student"], info["db_url"]
            self.gradebook = preprocessor_gradebook(self.db_url)
            with self.gradebook:
                session = self.gradebook.db
                session.commit = session.flush  # an instance attribute: this session only
                try:
                    nb, resources = super(save_auto_grades, self).preprocess(nb, resources)
                finally:
                    del session.commit
                session.commit()
            return nb, resources

    return SaveAutoGradesOnce


def _parse(raw: bytes):
    """(notebook, None) or (None, what is wrong with it in plain words)."""
    if not raw.strip():
        return None, "the file is empty"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "the file is not UTF-8 text"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        return None, f"not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
    if not isinstance(data, dict) or "cells" not in data or "nbformat" not in data:
        return None, "valid JSON but not a Jupyter notebook"
    try:
        return nbformat.reads(text, as_version=4), None
    except Exception as err:  # noqa: BLE001 - nbformat's many ways to refuse
        return None, f"not a readable notebook ({type(err).__name__}: {err})"


def _close(sandbox: Sandbox, tmp: Path) -> None:
    import shutil

    with contextlib.suppress(Exception):
        sandbox.close()
    shutil.rmtree(tmp, ignore_errors=True)


# --- workers in pools and on Dask ---------------------------------------------------------

_LOCAL = threading.local()


def new_sandbox(bundle: LabBundle) -> Sandbox:
    """The sandbox a worker of `bundle` grades in (not started yet)."""
    use = {"auto": None, "on": True, "off": False}[bundle.sandbox]
    return Sandbox(
        bundle.lab,
        bundle.limits,
        bundle.preload,
        tuple(Path(p) for p in bundle.private),
        use_bwrap=use,
        streams=bundle.streams,
    )


def worker_for(bundle: LabBundle) -> Worker:
    """This process-and-thread's worker for `bundle`, created once (work done once per worker)."""
    workers: dict[str, Worker] = getattr(_LOCAL, "workers", None) or {}
    _LOCAL.workers = workers
    worker = workers.get(bundle.key)
    if worker is None:
        for other in list(workers.values()):
            other.close()
        workers.clear()
        adopted = getattr(_LOCAL, "sandbox", None)
        _LOCAL.sandbox = None
        worker = workers[bundle.key] = Worker(bundle, adopted)
        with contextlib.suppress(Exception):
            from multiprocessing import util

            util.Finalize(worker, worker.close, exitpriority=10)
    return worker


def grade_task(bundle: LabBundle, sub: Submission) -> Outcome:
    """One submission, in whatever process runs this (a pool worker or a Dask worker)."""
    try:
        return worker_for(bundle).grade(sub)
    except Exception as err:  # noqa: BLE001 - one broken submission never stops the cohort
        import traceback

        for worker in list(getattr(_LOCAL, "workers", {}).values()):
            worker.close()
        _LOCAL.workers = {}
        return Outcome(
            sub.student,
            Status.CRASHED,
            f"the grader failed on this submission "
            f"({type(err).__name__}: {err}); the worker was restarted",
            notes=[traceback.format_exc(limit=5)],
            digest=sub.digest,
        )


_POOL_BUNDLE: LabBundle | None = None


def _pool_init(bundle: LabBundle, sandboxes: list[Sandbox], counter) -> None:
    """A pool worker: adopt one of the sandboxes the parent launched before forking it."""
    global _POOL_BUNDLE
    _POOL_BUNDLE = bundle
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    with counter.get_lock():
        slot = counter.value
        counter.value += 1
    if slot < len(sandboxes):
        _LOCAL.sandbox = sandboxes[slot]
    worker_for(bundle)


def _pool_task(sub: Submission) -> Outcome:
    assert _POOL_BUNDLE is not None
    return grade_task(_POOL_BUNDLE, sub)
