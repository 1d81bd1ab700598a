"""Every place the course reaches into nbgrader's, nbclient's or jupyter_client's internals.

Written against nbgrader 0.9.6, nbclient 0.11.0 and jupyter_client 8.10.0 (with SQLAlchemy
2.1, jsonschema 4.26 and nbconvert 7.17 as nbgrader uses them). When any of them is upgraded,
review this file, entry by entry: each says what it replaces and why it exists. The rest of the
grading package uses nbgrader only through its public API (preprocessors, converters,
`Gradebook`, `Validator`, `utils`) and through what is defined here.

Subclasses and stand-ins
    GradingExecute (`executor_class()`)  subclass of nbgrader.preprocessors.Execute, itself an
        nbclient.NotebookClient; the engine runs every submission with it.
        - `output()` overrides nbclient's: each cell's printed output is capped at
          `Limits.output_bytes`, with one marker per stream (so a cell that wrote to stderr
          still counts as failed). Why: a print loop would otherwise fill the worker's memory
          and the autograded notebook. (The kernel caps too, before sending: `streams`.)
        - `async_start_new_kernel_client()` / `start_new_kernel_client` override nbclient's,
          minus jupyter_client's fixed waits (a heartbeat poll every 0.2 s, then IOPub drained
          until 0.2 s pass quietly). Why: those waits were most of a forked kernel's start.
        - `release_kernel()` forgets nbclient's `kc` and `km` after a run: the kernel belongs
          to the sandbox, which cleans it up.
        - `async_execute_cell()` drops nbclient's `skip_cells_with_tag` tag from a cell before
          running it. Why: nbclient skips a cell so tagged, and a test cell that does not run
          records no error, so stock nbgrader gives it full points (a student's tag on every test
          cell gave a blank warm-up lab 5 of 5).
        - `on_cell_executed()` extends nbgrader's (which turns an error reply into an error
          output): it reads `guard.REPLY_KEY` from every `execute_reply` into `tampering`, what
          the kernel's guard put back around the cell, or that it was bypassed.
    SandboxKernelManager  stands in for jupyter_client's KernelManager: exactly the methods and
        attributes nbclient calls on `km` (`client`, `is_alive`, `interrupt_kernel`,
        `shutdown_kernel`, `cleanup_resources`, `kernel_name`, `ipykernel`, `has_kernel`).
        Why: the kernel is forked inside the sandbox by the kernel factory, not started by
        jupyter_client. A new method nbclient calls on `km` must be added here.

Monkeypatches (`speed_up_nbgrader()`, once per process; the grades are unchanged)
    nbgrader.api.create_engine        one engine per database, without a pool, so SQLAlchemy's
                                      compiled-statement cache survives the many `Gradebook(...)`
                                      nbgrader opens per notebook
    nbgrader.api.inspect,             the table listing and creation every `Gradebook(...)` does,
    nbgrader.api.Base.metadata.create_all   once per engine
    nbgrader.nbgraderformat.common.jsonschema   `validate` checks nbgrader's schema once, not
                                      before every cell `CheckCellMetadata` looks at
    `Gradebook` in nbgrader.preprocessors' overwritekernelspec, overwritecells, saveautogrades,
        latesubmissions and getgrades: `preprocessor_gradebook`, which inside `one_gradebook(url)`
        hands out views of one open gradebook instead of opening a new one each time (eight
        to ten times a submission, each a new session and a query for the course)

Copies of nbgrader code
    `add_submission()`  `nbgrader.api.Gradebook.add_submission`'s rows, without its commit:
        `gradebook.merge` writes a whole run in one transaction. SQLAlchemy 2 does not cascade
        along nbgrader's backrefs, so every new row is added explicitly.
    `alembic_head()`  reads nbgrader's `alembic/versions` scripts for the schema revision, so
        `gradebook.create_empty` records it instead of running alembic in a subprocess (about
        ten seconds per gradebook).

Package files read
    `feedback_template_dirs()`: nbgrader's formgrader templates and its bundled Bootstrap CSS,
    so the feedback HTML looks like nbgrader's own.

Importing this module is cheap: nbgrader, nbclient and jupyter_client are imported inside the
functions that use them.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import json
import os
import re
import signal
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from mlops_course.grading import guard
from mlops_course.grading.lab import cell_name, is_test
from mlops_course.grading.sandbox import KernelHandle, Sandbox, SandboxError
from mlops_course.grading.streams import CUT_MARKER


class NbgraderError(RuntimeError):
    """nbgrader is missing, or not laid out the way this module was written against."""


# --- nbclient: the executor -------------------------------------------------------------------


class OutputCap:
    """Printed output of each cell capped at `limit` bytes (0: no cap), one marker per stream."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.truncated: set[int] = set()  # cells whose output was cut
        self._used: dict[int, int] = {}
        self._marked: set[tuple[int, str]] = set()

    def message(self, msg: dict, cell_index: int) -> dict | None:
        """`msg` as the notebook should record it, or None to drop it."""
        if msg.get("msg_type") != "stream" or not self.limit:
            return msg
        text = msg["content"].get("text", "")
        used = self._used.get(cell_index, 0)
        if used + len(text) <= self.limit:
            self._used[cell_index] = used + len(text)
            return msg
        self.truncated.add(cell_index)
        name = msg["content"].get("name", "stdout")
        if (cell_index, name) in self._marked:
            return None
        # One marker per stream: a cell that wrote to stderr still counts as failed.
        self._marked.add((cell_index, name))
        msg = copy.deepcopy(msg)
        msg["content"]["text"] = CUT_MARKER.format(limit=self.limit)
        return msg


def drop_tag(cell: Any, tag: str) -> None:
    """`cell` without the tag `tag` (its other tags kept)."""
    tags = cell.metadata.get("tags")
    if tags and tag in tags:
        cell.metadata["tags"] = [t for t in tags if t != tag]


def read_guard_report(
    tampering: list[str], cell: Any, index: int | None, reply: dict | None, guarded: bool
) -> bool:
    """Read `guard`'s report from a cell's execute reply: note tampering in `tampering`, and
    fail the cell (an error output) when it did not run as written, or when a graded cell
    changed the kernel while it ran. True once a report was seen."""
    if reply is None or "header" not in reply:
        # no reply from the kernel: the cell timed out, and nbclient made up the error reply
        return guarded
    report = (reply.get("content") or {}).get(guard.REPLY_KEY)
    name, graded = cell_name(cell, index), is_test(cell)
    if report is None:
        if guarded:  # the guard ran for earlier cells, then something took it out
            tampering.append(
                f"the grader's guard did not run before {name}: earlier code replaced how the "
                "kernel runs cells, so that cell counts as failed"
            )
            cell.outputs.append(guard_failure())
        return guarded
    failed = report.get("ran") != guard.digest(cell.source)
    if failed:
        tampering.append(
            f"{name} ran other code than the notebook holds (earlier code changed how the "
            "kernel runs cells), so it counts as failed"
        )
    if report.get("restored"):
        tampering.append(
            f"before {name} the grader put back what had changed in the kernel: "
            f"{_listed(report['restored'])}"
        )
    if report.get("during"):
        failed = failed or graded
        tampering.append(
            f"while {name} ran, it changed how the kernel runs cells or compares values "
            f"({_listed(report['during'])}); the grader put it back"
            + (", and the cell counts as failed" if graded else "")
        )
    if failed:
        cell.outputs.append(guard_failure())
    return True


def _listed(names: list[str]) -> str:
    more = f" and {len(names) - 6} more" if len(names) > 6 else ""
    return ", ".join(names[:6]) + more


def guard_failure() -> dict:
    """The error output that fails a cell the grader could not run as written."""
    from nbformat.v4 import new_output

    return new_output(
        "error",
        ename="GraderError",
        evalue="this cell cannot be graded as written: the grader's note on it says why",
        traceback=[],
    )


def executor_class():
    """GradingExecute: nbgrader's Execute on a kernel forked in the sandbox, output capped."""
    from jupyter_core.utils import run_sync
    from nbgrader.preprocessors import Execute

    class GradingExecute(Execute):
        """nbgrader's Execute on a kernel forked in the sandbox, with printed output capped."""

        cap = OutputCap(0)

        def start_run(self, output_bytes: int) -> None:
            self.cap = OutputCap(output_bytes)
            self.current_cell: int | None = None
            self.kernel_ready: float | None = None
            self.on_cell_execute = self._cell_started
            self.on_notebook_start = self._notebook_started
            self.tampering: list[str] = []  # what `guard` put back, or found bypassed
            self._guarded = False

        def _cell_started(self, cell=None, cell_index=None, **_: Any) -> None:
            self.current_cell = cell_index

        def on_cell_executed(self, **kwargs: Any) -> None:
            """nbgrader's (an error reply becomes an error output), then the guard's report."""
            super().on_cell_executed(**kwargs)
            self._guarded = read_guard_report(
                self.tampering,
                kwargs["cell"],
                kwargs.get("cell_index"),
                kwargs.get("execute_reply"),
                self._guarded,
            )

        async def async_execute_cell(self, cell, cell_index, execution_count=None, **kw):
            """nbclient's, except that no tag skips a cell: nbclient skips cells tagged
            `skip_cells_with_tag`, and a student could tag a test cell with it."""
            drop_tag(cell, self.skip_cells_with_tag)
            return await super().async_execute_cell(cell, cell_index, execution_count, **kw)

        execute_cell = run_sync(async_execute_cell)  # nbclient binds its own otherwise

        def _notebook_started(self, **_: Any) -> None:
            self.kernel_ready = time.perf_counter()

        def output(self, outs, msg, display_id, cell_index):
            msg = self.cap.message(msg, cell_index)
            if msg is None:
                return None
            return super().output(outs, msg, display_id, cell_index)

        async def async_start_new_kernel_client(self):
            """nbclient's, minus jupyter_client's fixed waits (see `_start_kernel_client`)."""
            return await _start_kernel_client(self)

        start_new_kernel_client = run_sync(async_start_new_kernel_client)

        def release_kernel(self) -> None:
            """Stop listening to the kernel and forget it: the sandbox cleans it up."""
            if self.kc is not None:
                with contextlib.suppress(Exception):
                    self.kc.stop_channels()
            self.kc = None
            self.km = None

    return GradingExecute


async def _start_kernel_client(executor):
    """nbclient's `async_start_new_kernel_client`, minus jupyter_client's fixed waits: its
    readiness check polls the heartbeat every 0.2 s and then drains IOPub until 0.2 s pass
    without a message, which is most of a forked kernel's start. Here the kernel is ready once
    it answers kernel_info and one IOPub message has arrived (so the subscription is live);
    messages left over from the start are ignored later, as nbclient filters IOPub by request."""
    from queue import Empty

    from jupyter_core.utils import ensure_async
    from nbclient.util import run_hook

    executor.kc = executor.km.client()
    await ensure_async(executor.kc.start_channels())
    deadline = time.monotonic() + executor.startup_timeout
    while True:
        msg_id = executor.kc.kernel_info()
        try:
            reply = await ensure_async(executor.kc.shell_channel.get_msg(timeout=0.5))
        except Empty:
            reply = None
        if reply is not None and reply["parent_header"].get("msg_id") == msg_id:
            try:
                await ensure_async(executor.kc.iopub_channel.get_msg(timeout=0.5))
                break
            except Empty:
                continue  # IOPub not connected yet: ask again
        if not await ensure_async(executor.km.is_alive()):
            await ensure_async(executor.kc.stop_channels())
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            await ensure_async(executor.kc.stop_channels())
            raise RuntimeError(f"Kernel didn't respond in {executor.startup_timeout} s")
    executor.kc.allow_stdin = False
    await run_hook(executor.on_notebook_start, notebook=executor.nb)
    return executor.kc


class SandboxKernelManager:
    """The part of jupyter_client's KernelManager that nbclient uses, for a forked kernel."""

    kernel_name = "python3"
    ipykernel = True
    has_kernel = True

    def __init__(self, sandbox: Sandbox, handle: KernelHandle) -> None:
        self.sandbox = sandbox
        self.handle = handle

    def client(self, **kwargs):
        from jupyter_client.asynchronous import AsyncKernelClient

        kc = AsyncKernelClient(**kwargs)
        kc.load_connection_info(self.handle.connection)
        return kc

    async def is_alive(self) -> bool:
        try:
            return bool(self.sandbox.status(self.handle)["alive"])
        except SandboxError:
            return False

    async def interrupt_kernel(self) -> None:
        self.sandbox.signal(self.handle, signal.SIGINT)

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        self.sandbox.signal(self.handle, signal.SIGKILL)

    async def cleanup_resources(self, restart: bool = False) -> None:
        return None


# --- nbgrader: the gradebook ------------------------------------------------------------------

_SPED_UP = False


def speed_up_nbgrader() -> None:
    """Work nbgrader repeats for every notebook, done once per worker; results are unchanged.

    - Every `Gradebook(...)` creates a new SQLAlchemy engine, so every query is compiled again
      (nbgrader opens a gradebook several times per notebook): reuse one engine per database,
      without a connection pool, so its compiled-statement cache is kept.
    - Every `Gradebook(...)` also lists the tables and creates missing ones: once per engine.
    - `CheckCellMetadata` calls `jsonschema.validate`, which checks nbgrader's schema itself
      before every cell: check it once and reuse the validator.
    """
    global _SPED_UP
    if _SPED_UP:
        return
    _SPED_UP = True
    import nbgrader.api as api
    import nbgrader.nbgraderformat.common as common

    engines: dict = {}
    api.create_engine = _shared_engine(api.create_engine, engines)
    # Each Gradebook(...) also asks the database for its tables and creates the missing ones;
    # with one engine per database file that needs doing once per engine. (Per-submission
    # gradebooks are always copies of a complete template, so their tables never go missing.)
    api.inspect, api.Base.metadata.create_all = _tables_once(
        api.inspect, api.Base.metadata.create_all, engines
    )
    common.jsonschema = _CachedJsonschema()
    from nbgrader.preprocessors import (
        getgrades,
        latesubmissions,
        overwritecells,
        overwritekernelspec,
        saveautogrades,
    )

    for module in (overwritekernelspec, overwritecells, saveautogrades, latesubmissions, getgrades):
        module.Gradebook = preprocessor_gradebook


@dataclass
class _Shared:
    """What `one_gradebook` keeps for this thread: the database and, once opened, its gradebook
    and the courses it has checked."""

    db_url: str
    gradebook: Any = None
    courses: set[str] = field(default_factory=set)


_OPEN = threading.local()


@contextlib.contextmanager
def one_gradebook(db_url: str):
    """While the block runs, every `preprocessor_gradebook(db_url, ...)` in this thread is a view of
    one nbgrader `Gradebook`: same engine and session, opened on first use and closed once.

    The engine grades a submission inside one such block. nbgrader's preprocessors open their
    own gradebook one after another, never two at a time, and each commits what it writes; a
    view's `close` rolls back what is left uncommitted, as closing a gradebook does."""
    shared = _OPEN.shared = _Shared(db_url)
    try:
        yield
    finally:
        _OPEN.shared = None
        if shared.gradebook is not None:
            shared.gradebook.close()


def preprocessor_gradebook(db_url: str, course_id: str = "default_course", authenticator=None):
    """`nbgrader.api.Gradebook(...)` as nbgrader's preprocessors open it (see `one_gradebook`)."""
    from nbgrader.api import Gradebook

    shared = getattr(_OPEN, "shared", None)
    if shared is None or shared.db_url != db_url or authenticator is not None:
        return Gradebook(db_url, course_id, authenticator)
    if shared.gradebook is None:
        shared.gradebook = Gradebook(db_url, course_id)
        shared.courses.add(course_id)
    view = copy.copy(shared.gradebook)
    view.course_id = course_id
    if course_id not in shared.courses:  # as `Gradebook.__init__` does for each new course
        view.check_course(course_id=course_id)
        shared.courses.add(course_id)
    view.close = view.db.rollback  # an instance attribute: this view only
    return view


def _shared_engine(create_engine, engines: dict):
    from sqlalchemy.pool import NullPool

    def shared_engine(url, **kwargs):
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in engines:
            engines[key] = create_engine(url, poolclass=NullPool, **kwargs)
        return engines[key]

    return shared_engine


class _Tables:
    def __init__(self, names: list[str]) -> None:
        self.names = names

    def get_table_names(self) -> list[str]:
        return self.names


def _tables_once(inspect, create_all, engines: dict):
    prepared: dict[int, list[str]] = {}

    def cached_inspect(obj):
        if id(obj) in prepared and any(obj is e for e in engines.values()):
            return _Tables(prepared[id(obj)])
        return inspect(obj)

    def create_all_once(bind=None, **kwargs):
        if bind is not None and any(bind is e for e in engines.values()):
            if id(bind) in prepared:
                return None
            create_all(bind=bind, **kwargs)
            prepared[id(bind)] = inspect(bind).get_table_names()
            return None
        return create_all(bind=bind, **kwargs)

    return cached_inspect, create_all_once


class _CachedJsonschema:
    """`jsonschema` with a `validate` that checks each schema once, then as before."""

    def __init__(self) -> None:
        self._validators: dict[str, object] = {}

    def validate(self, instance, schema, cls=None, *args, **kwargs):
        import jsonschema

        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            cls = cls or jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = self._validators[key] = cls(schema, *args, **kwargs)
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error

    def __getattr__(self, name):
        import jsonschema

        return getattr(jsonschema, name)


def assignment_cells(assignment) -> list[tuple[Any, dict[str, list]]]:
    """Each notebook of an nbgrader assignment with its grade, solution and task cells."""
    return [
        (
            nb,
            {
                "grade": list(nb.grade_cells),
                "solution": list(nb.solution_cells),
                "task": list(nb.task_cells),
            },
        )
        for nb in assignment.notebooks
    ]


def add_submission(session, assignment, student, structure: list[tuple[Any, dict[str, list]]]):
    """`Gradebook.add_submission`'s rows for a new submission, added to `session`, not committed.

    `structure` is `assignment_cells(assignment)`, read once for a whole merge.
    """
    from nbgrader.api import Comment, Grade, SubmittedAssignment, SubmittedNotebook

    # SQLAlchemy 2 does not cascade along backrefs: add every new row.
    with session.no_autoflush:
        sub = SubmittedAssignment(assignment=assignment, student=student)
        rows: list = [sub]
        for nb, cells in structure:
            snb = SubmittedNotebook(assignment=sub, notebook=nb)
            rows.append(snb)
            for cell in cells["grade"]:
                rows.append(Grade(cell_id=cell.id, notebook=snb))
            for cell in cells["solution"]:
                rows.append(Comment(cell_id=cell.id, notebook=snb))
            for cell in cells["task"]:
                rows.append(Comment(cell_id=cell.id, notebook=snb))
                rows.append(Grade(cell_id=cell.id, notebook=snb))
        session.add_all(rows)
    return sub


@lru_cache(maxsize=1)
def alembic_head() -> str:
    """nbgrader's newest schema revision, read from its migration scripts (no subprocess)."""
    versions = _nbgrader_dir() / "alembic" / "versions"
    revisions, parents = set(), set()
    for script in versions.glob("*.py"):
        text = script.read_text()
        rev = re.search(r"^revision\s*=\s*['\"](\w+)['\"]", text, re.M)
        down = re.search(r"^down_revision\s*=\s*['\"](\w+)['\"]", text, re.M)
        if rev:
            revisions.add(rev.group(1))
        if down:
            parents.add(down.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        raise NbgraderError(f"cannot tell nbgrader's schema version from {versions}: {heads}")
    return heads.pop()


def _nbgrader_dir() -> Path:
    spec = importlib.util.find_spec("nbgrader")
    if spec is None or spec.origin is None:
        raise NbgraderError("nbgrader is not installed; run `./course setup`.")
    return Path(spec.origin).parent


# --- nbgrader: feedback ----------------------------------------------------------------------


def feedback_template_dirs() -> tuple[str, str]:
    """nbgrader's formgrader templates folder and its bundled Bootstrap CSS folder."""
    import nbgrader

    base = os.path.dirname(nbgrader.__file__)
    templates = os.path.join(base, "server_extensions", "formgrader", "templates")
    css = os.path.join(
        base,
        "server_extensions",
        "formgrader",
        "static",
        "node_modules",
        "bootstrap",
        "dist",
        "css",
    )
    return templates, css
