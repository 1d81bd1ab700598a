"""What a test cell's output counts for: warnings and library log lines never cost points.

nbgrader gives no credit to a test cell that writes anything to stderr, and Python writes its
warnings and most libraries their log records there: MLflow's "Registered model ... already
exists", a numpy RuntimeWarning that only a hidden test's inputs trigger, uvicorn's start-up
lines. A correct answer would then score 0 for a line nobody asked for. The course decides once,
here, and every kernel that runs a lab applies the same decision: the grader's (`engine`), the
self-check's (`selfcheck`, which runs the grader's pipeline with the visible tests only), and
nbgrader's own commands (`grading/nbgrader_config.py` passes `kernel_arguments()` to every
kernel nbgrader starts, so JupyterLab's Validate button and stock `nbgrader autograde` agree).

The decision:
    - A write to stderr made by Python's `warnings` or `logging` machinery (a warning shown, a
      log record emitted by any handler, whatever library set it up and whenever) goes to the
      cell's stdout instead, each record behind `LABEL`. It stays visible in the notebook, the
      feedback and the self-check, and costs nothing.
    - Anything else written to stderr still costs the cell its points, as nbgrader rules:
      `print(..., file=sys.stderr)`, a library printing to stderr directly, output of C code or
      of a subprocess on file descriptor 2.
    - An exception always fails the cell; a warning a test turns into an error
      (`warnings.simplefilter("error")`) is an exception, and `warnings.catch_warnings(record=True)`
      still records (it replaces what shows warnings while it is active).
Records are recognised by who writes them (a frame of `logging` or `warnings` on the stack), not
by what the text looks like, so no student can dodge the rule by formatting a line like a log.

`verdict(cell)` says whether a graded test cell earned its points and, when it did not, why in
plain words (an error, stderr output, the time limit, a failed re-execution in another process,
an unanswered question); the self-check prints it and the feedback shows it under the cell.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import warnings
from dataclasses import dataclass
from typing import Any

EXTENSION = "mlops_course.grading.streams"
LABEL = "[not graded: {kind}] "
ROUTED = re.compile(r"^\[not graded: (warning|log)\] ", re.M)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Set by the grader in every kernel it forks (see `sandbox.Sandbox.spawn`): the most a cell may
# print per stream. Without it (nbgrader's own kernels) nothing is capped in the kernel.
OUTPUT_CAP_ENV = "MLOPS_GRADING_OUTPUT_BYTES"
# "nbgrader": leave stderr as stock nbgrader treats it (the drop-in grader of another course,
# whose own `nbgrader autograde` does not load this policy); anything else: the course's policy.
STREAMS_ENV = "MLOPS_GRADING_STREAMS"
CUT_MARKER = "\n... output cut by the grader after {limit} bytes ...\n"
# A test that runs an answer again in a fresh Python process says so in its message with these
# words; the explanation then tells the student what such a re-run needs.
REEXECUTION_WORDS = ("another process", "another python process", "a fresh process")


def kernel_arguments() -> list[str]:
    """Command-line arguments that load this module, then `guard`, into a grading kernel as
    IPython extensions (the guard records the kernel once this policy is in place)."""
    return [
        f"--IPKernelApp.extra_extensions={EXTENSION}",
        "--IPKernelApp.extra_extensions=mlops_course.grading.guard",
    ]


# --- in the kernel ----------------------------------------------------------------------------


def _emitter(frame) -> str | None:
    """'warning' or 'log' when a frame of `warnings` or `logging` is on the stack, else None."""
    files = {warnings.__file__: "warning", logging.__file__: "log"}
    depth = 0
    while frame is not None and depth < 40:
        kind = files.get(frame.f_code.co_filename)
        if kind:
            return kind
        frame, depth = frame.f_back, depth + 1
    return None


class RoutedStderr:
    """The kernel's stderr, except that warnings and log records go to stdout, labelled."""

    def __init__(self, stderr: Any, stdout: Any) -> None:
        self._stderr = stderr
        self._stdout = stdout

    def write(self, text: str) -> int:
        try:
            caller = sys._getframe(1)
        except ValueError:  # called from C with no Python frame (the interpreter's own errors)
            caller = None
        kind = _emitter(caller)
        if kind is None:
            return self._stderr.write(text)
        if text.strip():
            self._stdout.write(LABEL.format(kind=kind) + text)
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stderr, name)


def route(stdout: Any = None, stderr: Any = None) -> RoutedStderr:
    """Install the routing in this process: `sys.stderr` and every logging handler on stderr."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if isinstance(stderr, RoutedStderr):
        return stderr
    routed = RoutedStderr(stderr, stdout)
    originals = {id(stderr), id(sys.__stderr__)}
    sys.stderr = routed
    # Handlers made before this point (a library imported while the kernel factory started, or
    # before the kernel replaced sys.stderr) hold the old stream itself: point them here too.
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and id(handler.stream) in originals:
                handler.stream = routed
    return routed


class CappedWrites:
    """An OutStream's `write`, keeping at most `limit` characters per cell and dropping the rest.

    Why in the kernel: ipykernel buffers what a cell prints and sends it over ZeroMQ every
    0.2 s, so a cell printing 200 MB held hundreds of MB in the kernel and died (SIGSEGV under
    the address-space limit) before the grader could drop anything. Past the cap a write only
    counts and returns, so a print loop keeps running at full speed, holds no memory, and the
    answer is graded. A cell is one execute request (its parent message id).
    """

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream, self.limit = stream, limit
        self.original = stream.write
        self.used: dict[str, int] = {}
        self.dropped: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        key = str(self.stream.parent_header.get("header", {}).get("msg_id", ""))
        used = self.used.get(key, 0)
        room = self.limit - used
        if len(text) <= room:
            self.used[key] = used + len(text)
            return self.original(text)
        if room > 0:
            self.used[key] = self.limit
            self.original(text[:room])
        if key not in self.dropped:  # once per cell and stream: the grader marks it as cut
            self.original(CUT_MARKER.format(limit=self.limit))
        self.dropped[key] = self.dropped.get(key, 0) + len(text) - max(room, 0)
        return len(text)


def _capped_echo(stream: Any, limit: int) -> None:
    """ipykernel echoes what reaches file descriptors 1 and 2 to the kernel's log as well; past
    the file-size limit that write fails and its reader thread stops, after which a program
    writing to the descriptor would block. Route the echo through a pipe whose reader keeps the
    first `limit` bytes in the log and drops the rest."""
    copy = getattr(stream, "_original_stdstream_copy", None)
    if copy is None:
        return
    log = os.dup(copy)
    read_end, write_end = os.pipe()
    os.dup2(write_end, copy)  # ipykernel looks the descriptor up by number on every write
    os.close(write_end)

    def drain() -> None:
        kept = 0
        while chunk := os.read(read_end, 65536):
            if kept < limit:
                try:
                    os.write(log, chunk[: limit - kept])
                except OSError:
                    kept = limit
                kept += len(chunk)

    threading.Thread(target=drain, name=f"capped-echo-{stream.name}", daemon=True).start()


def cap_output(limit: int) -> None:
    """Cap what each cell may print, per stream, in this kernel (see `CappedWrites`)."""
    from ipykernel.iostream import OutStream

    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(stream, RoutedStderr):
            stream = stream._stderr
        if not isinstance(stream, OutStream) or isinstance(stream.write, CappedWrites):
            continue
        stream.write = CappedWrites(stream, limit)
        _capped_echo(stream, limit)


def load_ipython_extension(ipython) -> None:  # noqa: ARG001 - IPython's extension signature
    """Loaded by every grading and self-check kernel (see `kernel_arguments`)."""
    limit = int(os.environ.get(OUTPUT_CAP_ENV) or 0)
    if limit > 0:
        cap_output(limit)
    if os.environ.get(STREAMS_ENV, "course") != "nbgrader":
        route()


# --- reading a graded cell ---------------------------------------------------------------------


@dataclass(frozen=True)
class CellVerdict:
    """Whether a test cell earned its points, why not, and what was shown but not graded."""

    ok: bool
    cause: str = ""  # "", "error", "stderr", "time limit", "re-execution", "unanswered",
    # "answer failed", "partial credit"
    why: str = ""
    routed: int = 0  # warnings and log records moved to stdout, shown but not graded


def routed_records(cell) -> int:
    """How many warnings and log records the cell showed without their costing points."""
    return sum(
        len(ROUTED.findall(_text(o)))
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stdout"
    )


def _text(output) -> str:
    text = output.get("text", "")
    return "".join(text) if isinstance(text, list) else text


def _error_why(out, timeout: float | None) -> tuple[str, str]:
    ename = out.get("ename", "Error")
    evalue = ANSI.sub("", str(out.get("evalue", "")))
    if ename == "CellTimeoutError":
        limit = f"the {timeout:g} s" if timeout else "the"
        return "time limit", (
            f"the cell ran longer than {limit} time limit per cell and was stopped, so it "
            "scores 0: look for a loop that never ends, or work far slower than it needs to be."
        )
    if ename == "NotImplementedError":
        return "unanswered", (
            "not answered yet: the answer cell still raises NotImplementedError. Write your "
            "code where it says YOUR CODE HERE and delete that line."
        )
    if ename == "NameError":
        return "error", (
            f"{evalue}. Run the answer cell above this test first, and check the name is "
            "spelled as the question asks."
        )
    if any(words in evalue.lower() for words in REEXECUTION_WORDS):
        return "re-execution", (
            "the test ran your answer again in a separate Python process, and it failed "
            f"there: {evalue}. An answer must work on its own: import what it uses (inside "
            "the function when the question says its source is run elsewhere) and rely on no "
            "variable of the notebook."
        )
    if ename == "AssertionError":
        return "error", evalue or "an assertion failed (it has no message)"
    return "error", f"the test raised {ename}: {evalue}"


def verdict(cell, answer=None, timeout: float | None = None) -> CellVerdict:
    """Whether an executed test cell earned its points, and why not (nbgrader's scoring).

    `answer` is the answer cell the test follows, whose own error explains a test that fails
    only because the answer never ran; `timeout` is the per-cell limit in seconds.
    """
    from nbgrader.utils import determine_grade

    score, max_score = determine_grade(cell)
    routed = routed_records(cell)
    if score is not None and score >= max_score:
        return CellVerdict(True, routed=routed)
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            cause, why = _error_why(out, timeout)
            return CellVerdict(False, cause, why, routed)
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            first = next((line for line in _text(out).splitlines() if line.strip()), "(empty)")
            return CellVerdict(
                False,
                "stderr",
                "the cell wrote to stderr, and nbgrader gives a test cell that does no "
                f"points (warnings and log records are exempt; this was neither): {first}. "
                "Remove the print to sys.stderr, or catch what a command writes there "
                "(subprocess.run(..., capture_output=True)).",
                routed,
            )
    for out in (answer or {}).get("outputs", []):
        if out.get("output_type") == "error":
            cause, why = _error_why(out, timeout)
            return CellVerdict(
                False, "answer failed", f"the answer cell above failed: {why}", routed
            )
    return CellVerdict(
        False,
        "partial credit",
        f"partial credit: {score or 0:g} of {max_score:g} points",
        routed,
    )
