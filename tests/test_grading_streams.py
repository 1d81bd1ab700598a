"""The stream policy: warnings and log records never cost points; other stderr and errors do."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from mlops_course.grading import feedback, streams


def _routed(code: str) -> tuple[str, str]:
    """(stdout, stderr) of a fresh Python that installs the policy and runs `code`.

    A process of its own: pytest replaces warnings' display and logging's handlers in its own.
    """
    script = (
        "import logging, sys, warnings\n"
        "early = logging.getLogger('early.library')\n"
        "early.addHandler(logging.StreamHandler(sys.stderr))  # made before the policy\n"
        "early.propagate = False\n"
        "from mlops_course.grading import streams\n"
        "streams.route()\n" + textwrap.dedent(code)
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout, done.stderr


def test_warnings_and_log_records_go_to_stdout_labelled_and_other_stderr_stays():
    out, err = _routed(
        """
        warnings.warn("divide by zero", RuntimeWarning, stacklevel=1)
        early.warning("Registered model 'bikes' already exists")
        logging.getLogger("no.handler").warning("the last-resort handler writes this")
        print("a plain line on stderr", file=sys.stderr)
        """
    )
    assert "[not graded: warning]" in out and "RuntimeWarning: divide by zero" in out
    assert "[not graded: log] Registered model 'bikes' already exists" in out
    assert "[not graded: log] the last-resort handler writes this" in out
    assert err == "a plain line on stderr\n"


def test_a_test_can_still_record_warnings_or_turn_them_into_errors():
    out, err = _routed(
        """
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            warnings.warn("recorded", UserWarning, stacklevel=1)
        print([str(w.message) for w in seen])
        """
    )
    assert out == "['recorded']\n" and err == ""
    with pytest.raises(subprocess.CalledProcessError) as raised:
        _routed('warnings.simplefilter("error")\nwarnings.warn("raised", UserWarning)')
    assert "UserWarning: raised" in raised.value.stderr  # an exception, on stderr as always


def _test_cell(*outputs) -> dict:
    cell = new_code_cell("assert True", outputs=list(outputs))
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 2, "grade_id": "t"}
    return cell


def _error(ename: str, evalue: str):
    return new_output("error", ename=ename, evalue=evalue, traceback=[])


def test_the_verdict_says_why_a_test_cell_lost_its_points():
    timeout = streams.verdict(_test_cell(_error("CellTimeoutError", "")), timeout=30)
    assert timeout.cause == "time limit" and "30 s time limit" in timeout.why
    again = streams.verdict(
        _test_cell(_error("AssertionError", "choose() failed in another process: NameError"))
    )
    assert again.cause == "re-execution" and "separate Python process" in again.why
    stderr = streams.verdict(_test_cell(new_output("stream", name="stderr", text="oops\n")))
    assert stderr.cause == "stderr" and "oops" in stderr.why
    answer = new_code_cell("x", outputs=[_error("NotImplementedError", "")])
    blank = streams.verdict(_test_cell(_error("NameError", "name 'f' is not defined")), answer)
    assert blank.cause == "error" and "Run the answer cell" in blank.why
    logged = _test_cell(new_output("stream", name="stdout", text="[not graded: log] hi\n"))
    assert streams.verdict(logged) == streams.CellVerdict(True, routed=1)


def test_feedback_puts_the_reason_under_a_failed_test_cell_and_hides_the_hidden_part():
    cell = _test_cell(new_output("stream", name="stderr", text="oops\n"))
    cell.source = "x = 1\n### BEGIN HIDDEN TESTS\nassert secret\n### END HIDDEN TESTS"
    safe = feedback.without_hidden_source(new_notebook(cells=[cell]))
    assert [c.cell_type for c in safe.cells] == ["code", "markdown"]
    assert "secret" not in safe.cells[0].source
    assert "Why this test cell scored 0:" in safe.cells[1].source
    assert "oops" in safe.cells[1].source


def test_every_kernel_nbgrader_starts_loads_the_policy():
    from mlops_course.grading import config

    assert list(config.load().Execute.extra_arguments) == streams.kernel_arguments()
