"""A correct answer that prints 200 MB is graded in full, with the sandbox on (issue 21).

The kernel keeps at most `Limits.output_bytes` per cell and stream and drops the rest as it is
written (`streams.CappedWrites`), so a print loop neither fills the kernel's memory nor blocks;
the grader marks the cell's output as cut and says so in the status and the feedback.
"""

from __future__ import annotations

import pytest

from mlops_course.grading import run
from mlops_course.grading.cohort import _Base
from mlops_course.grading.engine import Status

from .conftest import GRADING_TEST_LIMITS, require_tool

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Object of type .* not in session"),
]

FLOODS = {
    # print() through Python's sys.stdout: ipykernel buffers it and sends it over ZeroMQ
    "python-print": (
        "import sys\nchunk = 'y' * 1_000_000\nfor _ in range(200):\n    sys.stdout.write(chunk)\n"
    ),
    # straight to file descriptors 1 and 2, as C code or a subprocess would
    "file-descriptors": (
        "import os, subprocess\nchunk = b'z' * 1_000_000\nfor _ in range(200):\n"
        "    os.write(1, chunk)\n"
        "subprocess.run(['head', '-c', '100000000', '/dev/zero'], check=True)\n"
    ),
}


def test_a_200_mb_flood_in_a_correct_answer_gets_full_marks_and_a_note(tmp_path, warmup_lab):
    require_tool("bwrap", "the grading sandbox")
    base = _Base(warmup_lab)
    for student, code in FLOODS.items():
        folder = tmp_path / "submissions" / student
        folder.mkdir(parents=True)
        for name, data in base.trick(code).items():
            (folder / name).write_bytes(data)
    out = tmp_path / "grading"
    options = run.Options(out=out, jobs=1, progress=False, sandbox="on", **GRADING_TEST_LIMITS)
    result = run.grade(warmup_lab, tmp_path / "submissions", options)
    for student in FLOODS:
        got = result.outcomes[student]
        assert got.status is Status.GRADED, (student, got.reason)
        assert got.score == got.max_score > 0, (student, got.reason)
        assert any("printed more than 1000000 bytes; the rest was cut" in n for n in got.notes)
        page = (out / "feedback" / student / warmup_lab.name / "warmup.html").read_text()
        assert "output cut by the grader after 1000000 bytes" in page
        assert "bubblewrap" in got.sandbox
