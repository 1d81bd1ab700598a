"""`mlops-course autograde` in a course folder nbgrader built, then nbgrader's own steps on it.

The course is not this one: its own `nbgrader_config.py` (a course id, a timeout), two notebooks
written as any instructor writes them, released with `nbgrader generate_assignment` and
submitted into `submitted/` as nbgrader's exchange lays them out. A copy of the folder is graded
by stock `nbgrader autograde`; the original by the drop-in command. The per-cell scores must be
identical (a warning on stderr costs the cell its points there, as stock nbgrader rules), the
autograded folders hold the same files, and afterwards `nbgrader generate_feedback`,
`nbgrader export` and formgrader (a real Jupyter server, over HTTP) read the result.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from mlops_course.grading import gradebook
from mlops_course.grading.nbbuild import cell_meta, notebook

from .conftest import require_tool

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Object of type .* not in session"),
]

BIN = Path(sys.executable).parent
COURSE_ID = "ext101"
CONFIG = f"""c = get_config()
c.CourseDirectory.course_id = "{COURSE_ID}"
c.Execute.timeout = 20
"""


def _source(root: Path) -> None:
    """Two notebooks, as an instructor writes them for nbgrader."""
    folder = root / "source" / "ps1"
    folder.mkdir(parents=True)
    squares = notebook(
        [
            new_markdown_cell("Write `squares(n)`: the squares of 0 .. n-1."),
            new_code_cell(
                "def squares(n):\n    ### BEGIN SOLUTION\n    return [i * i for i in range(n)]\n"
                "    ### END SOLUTION",
                metadata=cell_meta("squares", solution=True),
            ),
            new_code_cell(
                "assert squares(3) == [0, 1, 4]\n### BEGIN HIDDEN TESTS\n"
                "assert squares(5) == [0, 1, 4, 9, 16]\n### END HIDDEN TESTS",
                metadata=cell_meta("test_squares", grade=True, locked=True, points=2),
            ),
            new_code_cell(
                "import warnings\nwarnings.warn('this API will change')\nassert squares(0) == []",
                metadata=cell_meta("test_warns", grade=True, locked=True, points=1),
            ),
        ]
    )
    mean = notebook(
        [
            new_code_cell(
                "def mean(xs):\n    ### BEGIN SOLUTION\n    return sum(xs) / len(xs)\n"
                "    ### END SOLUTION",
                metadata=cell_meta("mean", solution=True),
            ),
            new_code_cell(
                "assert mean([1, 2, 3]) == 2\n### BEGIN HIDDEN TESTS\nassert mean([5]) == 5\n"
                "### END HIDDEN TESTS",
                metadata=cell_meta("test_mean", grade=True, locked=True, points=3),
            ),
        ]
    )
    nbformat.write(squares, folder / "squares.ipynb")
    nbformat.write(mean, folder / "mean.ipynb")
    (folder / "data.txt").write_text("a file the source ships with the assignment\n")


ANSWERS = {
    "alice": {"squares": "return [i * i for i in range(n)]", "mean": "return sum(xs) / len(xs)"},
    "bob": {"squares": "return list(range(n))", "mean": "return sum(xs) / len(xs)"},
    "carol": {"squares": "return [i ** 2 for i in range(n)]"},  # mean.ipynb not submitted
    "dan": {"squares": "return [i * i for i in range(n)]", "mean": "raise ValueError('no')"},
}


def _submit(root: Path) -> None:
    """Each student's copy of the release with their answers, where nbgrader collects it."""
    release = root / "release" / "ps1"
    for student, answers in ANSWERS.items():
        folder = root / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        for name in ("squares", "mean"):
            if name not in answers:
                continue
            nb = nbformat.read(release / f"{name}.ipynb", as_version=4)
            for cell in nb.cells:
                if cell.metadata.get("nbgrader", {}).get("grade_id") == name:
                    header = cell.source.splitlines()[0]
                    cell.source = f"{header}\n    {answers[name]}"
            nbformat.write(nb, folder / f"{name}.ipynb")
        (folder / "timestamp.txt").write_text("2026-11-02 10:00:00.000000 UTC")
    # a student who submitted another assignment only is not graded for this one
    (root / "submitted" / "erin" / "ps0").mkdir(parents=True)


def _nbgrader(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _get(url: str, token: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    """The same course graded twice: by stock nbgrader (a copy) and by the drop-in command."""
    require_tool("bwrap", "the grading sandbox")
    root = tmp_path_factory.mktemp("course") / "ext101"
    root.mkdir()
    (root / "nbgrader_config.py").write_text(CONFIG)
    _source(root)
    _nbgrader(root, "generate_assignment", "ps1")
    _submit(root)
    stock = root.parent / "stock"
    shutil.copytree(root, stock)
    _nbgrader(stock, "autograde", "ps1")
    before = {p: p.read_bytes() for p in (root / "source").rglob("*") if p.is_file()}
    done = subprocess.run(
        [str(BIN / "mlops-course"), "autograde", "ps1", "--sandbox", "on", "--no-progress"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {"root": root, "stock": stock, "out": done.stdout, "source": before}


def test_scores_are_stock_nbgraders_cell_for_cell(courses):
    ours = gradebook.cell_scores(courses["root"] / "gradebook.db", "ps1", COURSE_ID)
    theirs = gradebook.cell_scores(courses["stock"] / "gradebook.db", "ps1", COURSE_ID)
    assert ours == theirs
    assert {s for s, _, _ in ours} == set(ANSWERS)  # erin submitted ps0 only
    # the cells that tell a faithful grader from a lenient one
    assert ours[("alice", "squares", "test_warns")] == 0  # a warning on stderr, as nbgrader rules
    assert ours[("alice", "mean", "test_mean")] == 3
    assert ours[("bob", "squares", "test_squares")] == 0
    assert ours[("carol", "mean", "test_mean")] == 0  # notebook not submitted
    assert ours[("dan", "mean", "test_mean")] == 0
    assert "Autograded 4 submission(s) of ps1" in courses["out"]
    assert "bubblewrap" in courses["out"]


def test_the_course_folder_is_laid_out_as_after_nbgrader_autograde(courses):
    root, stock = courses["root"], courses["stock"]
    assert _files(root / "autograded") == _files(stock / "autograded")
    assert "alice/ps1/data.txt" in _files(root / "autograded")
    assert (root / "nbgrader_config.py").read_text() == CONFIG  # the course's own, untouched
    assert {p: p.read_bytes() for p in (root / "source").rglob("*") if p.is_file()} == courses[
        "source"
    ]
    assert not (root / "feedback").exists()  # generate_feedback's job, as with stock
    assert (root / ".mlops-grading" / "reports" / "ps1" / "status.json").is_file()
    assert not gradebook.integrity_errors(root / "gradebook.db")


def test_nbgrader_feedback_and_export_read_the_result(courses):
    root = courses["root"]
    _nbgrader(root, "generate_feedback", "ps1")
    page = (root / "feedback" / "bob" / "ps1" / "squares.html").read_text()
    assert "squares" in page and "AssertionError" in page
    _nbgrader(root, "export", "--to", "grades.csv")
    with (root / "grades.csv").open() as fh:
        rows = {row["student_id"]: row for row in csv.DictReader(fh)}
    assert set(rows) == set(ANSWERS)
    assert float(rows["alice"]["raw_score"]) == 5.0  # 2 + 0 (stderr) + 3
    assert float(rows["bob"]["raw_score"]) == 3.0
    assert rows["alice"]["assignment"] == "ps1"


def test_formgrader_serves_the_autograded_submissions_over_http(courses, free_port):
    root = courses["root"]
    token = "dropin-test-token"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    server = subprocess.Popen(
        [
            str(BIN / "jupyter"),
            "server",
            "--no-browser",
            f"--port={free_port}",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            "--allow-root",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.jpserver_extensions={'nbgrader.server_extensions.formgrader': True}",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{free_port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/api/status", token)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()[-3000:]
                assert time.monotonic() < deadline, "the Jupyter server did not start in 60 s"
                time.sleep(0.2)
        listed = json.loads(_get(f"{base}/formgrader/api/submitted_notebooks/ps1/squares", token))
        by_student = {row["student"]: row for row in listed}
        assert set(by_student) == set(ANSWERS)
        assert by_student["alice"]["score"] == 2 and by_student["alice"]["max_score"] == 3
        assert by_student["bob"]["score"] == 0
        # the grading page renders the autograded notebook itself from autograded/
        page = _get(f"{base}/formgrader/submissions/{by_student['bob']['id']}/", token).decode()
        text = html.unescape(re.sub(r"<[^>]+>", "", page))  # code is syntax-highlighted
        assert "return list(range(n))" in text and "AssertionError" in text
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_course_folders_are_those_nbgrader_itself_computes(courses):
    """`dropin.layout` reads the config without importing nbgrader: it must agree with it."""
    from nbgrader.coursedir import CourseDirectory

    from mlops_course.grading import dropin

    where = dropin.layout(courses["root"])
    nbgrader_dir = CourseDirectory(config=where.cfg)
    assert f"sqlite:///{where.gradebook}" == nbgrader_dir.db_url
    assert where.course_id == nbgrader_dir.course_id == COURSE_ID
    for step in dropin.STEPS:
        folder = nbgrader_dir.format_path(getattr(nbgrader_dir, f"{step}_directory"), "bob", "ps1")
        assert str(where.folder(step, "bob", "ps1")) == folder


def test_a_folder_that_is_no_course_is_named_without_a_traceback(tmp_path):
    done = subprocess.run(
        [str(BIN / "mlops-course"), "autograde", "ps1", "--course-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(f"error: {tmp_path} has no nbgrader_config.py"), done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
