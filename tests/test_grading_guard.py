"""Code that changes how the kernel runs later cells cannot pass a test (`grading.guard`).

Each trick below, put at the top of a blank warm-up lab's first answer, gave that blank
submission full marks before the guard: in stock nbgrader and in this course's engine alike.
With the guard, every one scores zero and is marked tampered with a reason, while the solution
(which plots, and so registers IPython's own hooks) is graded in full with no such mark.
"""

from __future__ import annotations

import base64
import json

import nbformat
import pytest

from mlops_course.grading import run, selfcheck
from mlops_course.grading.engine import Status
from mlops_course.grading.lab import grade_id, hidden_lines, solved, with_sources

from .conftest import GRADING_TEST_LIMITS, require_tool

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Object of type .* not in session"),
]

TRICKS = {
    # every later cell becomes `pass`
    "input-transformer": (
        "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n"
    ),
    "run-cell-replaced": (
        "shell = get_ipython()\nreal = shell.run_cell\n"
        "shell.run_cell = lambda cell, *a, **k: real('pass', *a, **k)\n"
    ),
    "run-cell-replaced-on-the-class": (
        "shell = get_ipython()\nreal = type(shell).run_cell\n"
        "type(shell).run_cell = lambda self, cell, *a, **k: real(self, 'pass', *a, **k)\n"
    ),
    "do-execute-wrapped": (
        "kernel = get_ipython().kernel\nreal = kernel.do_execute\n"
        "async def run(code, *a, **k):\n    return await real('pass', *a, **k)\n"
        "kernel.do_execute = run\n"
    ),
    "message-handler-replaced": (
        "kernel = get_ipython().kernel\nreal = kernel.shell_handlers['execute_request']\n"
        "async def handle(stream, ident, parent):\n"
        "    parent['content']['code'] = 'pass'\n"
        "    return await real(stream, ident, parent)\n"
        "kernel.shell_handlers['execute_request'] = handle\n"
    ),
    # every `assert` of later cells deleted; the answers below return without raising
    "asserts-removed": (
        "import ast\nclass NoAsserts(ast.NodeTransformer):\n"
        "    def visit_Assert(self, node):\n        return ast.Pass()\n"
        "get_ipython().ast_transformers.append(NoAsserts())\n"
    ),
    "tracer": "import sys\nsys.settrace(lambda *a: None)\n",
    # what tests compute their expectations or comparisons with
    "library-function-replaced": (
        "import pandas.testing\npandas.testing.assert_series_equal = lambda *a, **k: None\n"
    ),
    "builtin-replaced": "import builtins\nbuiltins.round = lambda *a, **k: 0\n",
    "course-helper-replaced": (
        "from mlops_course import datasets\ndatasets.reference_period = lambda frame: frame\n"
    ),
}
# Values that pass any comparison: an int whose == and < always say yes, made where the answer
# is defined, or inside the answer while a test calls it.
ALWAYS_EQUAL = (
    "class Agreeable(int):\n"
    "    def __eq__(self, other):\n        return True\n"
    "    __lt__ = __le__ = __gt__ = __ge__ = __eq__\n"
    "    def __ne__(self, other):\n        return False\n"
    "    __hash__ = int.__hash__\n"
)
DISGUISED = {
    "always-equal-int": (
        ALWAYS_EQUAL + "\n\ndef missing_weather_hours(frame):\n    return Agreeable(3)\n"
    ),
    "always-equal-int-made-in-the-call": (
        "def missing_weather_hours(frame):\n"
        + "".join(f"    {line}\n" for line in ALWAYS_EQUAL.splitlines())
        + "    return Agreeable(3)\n"
    ),
}
# Answers that return instead of raising, so that a test whose asserts are gone would pass.
WRONG = "    return None\n"


def _blank_with(release, code: str):
    nb = nbformat.reads(nbformat.writes(release), as_version=4)
    answers = [c for c in nb.cells if (grade_id(c) or "").endswith("_answer")]
    for cell in answers:
        head = cell.source.split("    # YOUR CODE HERE")[0]
        cell.source = head + WRONG
    answers[0].source = code + "\n" + answers[0].source
    return nb


def test_tricks_on_the_kernel_score_zero_and_are_reported(tmp_path, warmup_lab):
    require_tool("bwrap", "the grading sandbox")
    release = nbformat.read(warmup_lab.release_path("warmup"), as_version=4)
    source = warmup_lab.source("warmup")
    plans = {name: _blank_with(release, code) for name, code in TRICKS.items()}
    # every test cell tagged so that nbclient would skip it
    skipped = nbformat.reads(nbformat.writes(release), as_version=4)
    for cell in skipped.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.metadata.setdefault("tags", []).append("skip-execution")
    plans["test-cells-tagged-skip"] = skipped
    correct = solved(release, source)
    plot = nbformat.v4.new_code_cell(
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
        "plt.plot([1, 2]);"
    )
    correct.cells.insert(4, plot)
    plans["solution-that-plots"] = correct
    for student, nb in plans.items():
        folder = tmp_path / "submissions" / student
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "warmup.ipynb")

    options = run.Options(
        out=tmp_path / "grading", jobs=1, progress=False, sandbox="on", **GRADING_TEST_LIMITS
    )
    result = run.grade(warmup_lab, tmp_path / "submissions", options)

    good = result.outcomes["solution-that-plots"]
    assert good.status is Status.GRADED and good.score == good.max_score > 0, good.reason
    tagged = result.outcomes["test-cells-tagged-skip"]
    assert tagged.score == 0, tagged.cells  # the tag is ignored: the tests run and fail
    for student in TRICKS:
        got = result.outcomes[student]
        assert got.score == 0, (student, got.cells, got.reason)
        assert got.status is Status.TAMPERED, (student, got.status, got.reason)
        assert "kernel" in got.reason, (student, got.reason)


def test_values_that_agree_with_everything_lose_their_points(tmp_path, warmup_lab):
    require_tool("bwrap", "the grading sandbox")
    release = nbformat.read(warmup_lab.release_path("warmup"), as_version=4)
    correct = solved(release, warmup_lab.source("warmup"))
    for student, code in DISGUISED.items():
        folder = tmp_path / "submissions" / student
        folder.mkdir(parents=True)
        nbformat.write(with_sources(correct, {"q1_answer": code}), folder / "warmup.ipynb")
    options = run.Options(
        out=tmp_path / "grading", jobs=1, progress=False, sandbox="on", **GRADING_TEST_LIMITS
    )
    result = run.grade(warmup_lab, tmp_path / "submissions", options)
    for student in DISGUISED:
        got = result.outcomes[student]
        assert got.cells["warmup"]["q1_test"][0] == 0, (student, got.cells, got.reason)
        assert got.score == got.max_score - 1, (student, got.cells)  # q2 and q3 are right
        assert got.status is Status.TAMPERED and "Agreeable(int)" in got.reason, got.reason


def test_check_says_the_kernel_was_tampered_with(tmp_path, warmup_lab):
    require_tool("bwrap", "the grading sandbox")
    release = nbformat.read(warmup_lab.release_path("warmup"), as_version=4)
    path = tmp_path / "warmup.ipynb"
    nbformat.write(_blank_with(release, TRICKS["input-transformer"]), path)
    result = selfcheck.check(path, sandbox="on")
    assert not result.passed
    text = "\n".join(result.lines())
    assert "changed how the kernel runs cells" in text and "put it back" in text, text
    assert "reported to your instructor" in text, text


def test_the_notebook_on_disk_while_grading_holds_no_hidden_test(tmp_path, warmup_lab):
    """Code in a submission can read the notebook file beside it; if that held the hidden tests,
    it could print them into the student's own feedback."""
    require_tool("bwrap", "the grading sandbox")
    release = nbformat.read(warmup_lab.release_path("warmup"), as_version=4)
    source = warmup_lab.source("warmup")
    hidden = [h.strip() for c in source.cells for h in hidden_lines(c.source) if len(h) > 20]
    assert hidden, "the warm-up lab should have hidden tests"
    coded = base64.b64encode(json.dumps(hidden).encode()).decode()  # not in the file as text
    peek = (
        "import base64, glob, json\n"
        "SEEN = ''.join(open(p).read() for p in glob.glob('*.ipynb'))\n"
        f"HIDDEN = json.loads(base64.b64decode('{coded}'))\n"
        "print('files:', len(SEEN), 'leaked:', sum(h in SEEN for h in HIDDEN))\n\n"
    )
    correct = solved(release, source)
    first = next(c for c in correct.cells if grade_id(c) == "q1_answer")
    folder = tmp_path / "submissions" / "peeker"
    folder.mkdir(parents=True)
    peeking = with_sources(correct, {"q1_answer": peek + first.source})
    nbformat.write(peeking, folder / "warmup.ipynb")
    options = run.Options(
        out=tmp_path / "grading", jobs=1, progress=False, sandbox="on", **GRADING_TEST_LIMITS
    )
    got = run.grade(warmup_lab, tmp_path / "submissions", options).outcomes["peeker"]
    assert got.score == got.max_score, got.reason
    executed = nbformat.reads(got.graded["warmup"], as_version=4)
    answer = next(c for c in executed.cells if grade_id(c) == "q1_answer")
    printed = "".join(o.get("text", "") for o in answer.outputs)
    assert "files:" in printed and "files: 0 " not in printed, printed  # it did read the file
    assert printed.strip().endswith("leaked: 0"), printed
