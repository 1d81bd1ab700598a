"""Stock nbgrader, for comparison: `nbgrader autograde` as nbgrader ships it, on a course folder.

The equality test and the benchmark grade the same submissions twice, once with the course's
engine and once with this, and compare nbgrader's per-cell scores. `jail=True` runs stock
nbgrader inside bubblewrap with the same resource limits as the engine (read-only system, no
network, an unprivileged user with a process limit, an address-space limit), because the
synthetic cohort contains a fork bomb and a memory hog that stock nbgrader would let loose on
the machine. The jail only contains; nbgrader's own code path is untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from mlops_course import settings
from mlops_course.grading import config, gradebook, release
from mlops_course.grading.lab import Lab
from mlops_course.grading.submissions import collect

JAIL_UID = 190_000


@dataclass
class StockRun:
    root: Path
    seconds: float
    returncode: int
    log: str

    @property
    def gradebook(self) -> Path:
        return self.root / "gradebook.db"


def course_folder(lab: Lab, submissions: Path, root: Path, only: set[str] | None = None) -> Path:
    """An nbgrader course folder for `lab` with every submission (or `only` those) under
    submitted/."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    release.generate(lab, root / ".generate", gradebook=root / "gradebook.db")
    shutil.rmtree(root / ".generate")
    for sub in collect(submissions, lab.name, lab.notebooks):
        if only is not None and sub.student not in only:
            continue
        folder = root / "submitted" / sub.student / lab.name
        folder.mkdir(parents=True)
        for rel, data in sub.files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
        if sub.timestamp:
            (folder / "timestamp.txt").write_text(sub.timestamp)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"load_subconfig({str(config.CONFIG_FILE)!r})  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.source_directory = {str(lab.source_dir.parent)!r}\n"
        "c.CourseDirectory.submitted_directory = 'submitted'\n"
        "c.CourseDirectory.autograded_directory = 'autograded'\n"
        "c.CourseDirectory.feedback_directory = 'feedback'\n"
        f"c.CourseDirectory.db_url = {config.sqlite_url(root / 'gradebook.db')!r}\n"
    )
    return root


def _jail(root: Path, command: list[str], *, processes: int, memory_mb: int, uid: int) -> list[str]:
    bwrap = shutil.which("bwrap")
    if not bwrap or os.getuid() != 0:
        raise RuntimeError("the stock jail needs bubblewrap and root (to run as another user)")
    for path in [root, *root.rglob("*")]:
        os.chown(path, uid, uid, follow_symlinks=False)
    base = Path(sys.base_prefix).resolve()
    args = [
        bwrap,
        "--die-with-parent",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--perms",
        "1777",
        "--tmpfs",
        "/tmp",
    ]
    # A checkout under /tmp (as in a CI clone) must stay visible under the private /tmp: its
    # .venv is the Python that runs nbgrader.
    shown: list[Path] = []
    for path in sorted({settings.REPO_ROOT, Path(sys.prefix).resolve()}):
        if Path("/tmp") in path.parents and not any(p in path.parents for p in shown):
            shown.append(path)
            for parent in reversed(path.parents[:-1]):
                if Path("/tmp") in parent.parents:
                    args += ["--perms", "0755", "--dir", str(parent)]
            args += ["--ro-bind", str(path), str(path)]
    if Path("/root") in base.parents:  # /root is private: show only the Python installation
        args += ["--tmpfs", "/root"]
        for parent in reversed(base.parents[:-1]):
            if parent != Path("/root"):
                args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--chmod", "0755", "/root", "--ro-bind", str(base), str(base)]
    for parent in reversed(root.parents[:-1]):  # bwrap would create missing parents as 0700
        args += ["--perms", "0755", "--dir", str(parent)]
    args += [
        "--bind",
        str(root),
        str(root),
        "--chdir",
        str(root),
        "--cap-drop",
        "ALL",
        "--cap-add",
        "CAP_SETUID",
        "--cap-add",
        "CAP_SETGID",
        "--setenv",
        "HOME",
        str(root / "home"),
        "--",
        "setpriv",
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--",
        "prlimit",
        f"--nproc={processes}",
        f"--as={memory_mb * 1024 * 1024}",
        "--",
    ]
    return args + command


def autograde(
    lab: Lab,
    root: Path,
    *,
    cell_seconds: int | None = None,
    jail: bool = False,
    processes: int = 128,
    memory_mb: int = 4096,
    timeout: float = 3600,
    uid: int = JAIL_UID,
) -> StockRun:
    """Run `nbgrader autograde <lab>` in `root` and wait for it (jailed as `uid`)."""
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    command = [nbgrader, "autograde", lab.name, "--force"]
    if cell_seconds:
        command.append(f"--Execute.timeout={int(cell_seconds)}")
    (root / "home").mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(root / "home"), "MLOPS_WORKSPACE": str(root / "home" / "ws")}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("MLOPS_GRADING_SANDBOX", None)
    if jail:
        command = _jail(root, command, processes=processes, memory_mb=memory_mb, uid=uid)
    started = time.perf_counter()
    proc = subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, timeout=timeout
    )
    seconds = time.perf_counter() - started
    if jail:
        _reclaim(root)
    return StockRun(root, seconds, proc.returncode, proc.stdout + proc.stderr)


def autograde_in_parts(
    lab: Lab, submissions: Path, root: Path, *, parts: int = 2, **kwargs
) -> list[StockRun]:
    """Stock nbgrader on `parts` disjoint shares of the cohort at once, one course folder each.

    Each share is graded by an unmodified `nbgrader autograde`; running them side by side only
    uses the cores stock nbgrader leaves idle, so a test of the whole cohort takes less time.
    """
    students = [s.student for s in collect(submissions, lab.name, lab.notebooks)]
    roots = []
    for i in range(parts):
        share = root / f"share-{i}"
        roots.append(course_folder(lab, submissions, share, only=set(students[i::parts])))
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(parts) as pool:
        return list(
            pool.map(lambda i: autograde(lab, roots[i], uid=JAIL_UID + i, **kwargs), range(parts))
        )


def _reclaim(root: Path) -> None:
    uid = os.getuid()
    for path in [root, *root.rglob("*")]:
        with contextlib.suppress(OSError):
            os.chown(path, uid, uid, follow_symlinks=False)


def cell_scores(runs: StockRun | list[StockRun], lab: Lab) -> dict[tuple[str, str, str], float]:
    """nbgrader's per-cell scores of one run or of every share of a split run."""
    scores: dict[tuple[str, str, str], float] = {}
    for run in runs if isinstance(runs, list) else [runs]:
        scores.update(gradebook.cell_scores(run.gradebook, lab.name))
    return scores
