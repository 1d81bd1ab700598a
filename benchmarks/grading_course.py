"""Stock `nbgrader autograde` against `mlops-course autograde`, on a course that is not this one.

    flock /tmp/course-heavy.flock .venv/bin/python benchmarks/grading_course.py
    (--sizes 20 40, --skip-busy, --skip-dask, --only-engine for a quick look,
     --cpu 0 --kernel-start 0 to skip the CPU split and the kernel start comparison,
     --repeat N to grade each cohort N times with each grader, in turn)

The course is built the way any instructor builds one, with nbgrader's own commands in a
temporary folder: its own `nbgrader_config.py`, an assignment of two notebooks per student
(`analysis`: pandas and a slow cell, about 0.03 s of CPU here; `model`: a student's scratch
cell that raises, which nbgrader records and goes on), released with `nbgrader
generate_assignment` and submitted into `submitted/` as nbgrader's exchange lays it out.
Students answer right, wrong, partly or not at all, in a fixed pattern (same cohort every run).

For each cohort size (20 and 40 students) both graders grade identical copies of the course:
    stock    `nbgrader autograde ps1`, as nbgrader ships it (serial)
    engine   `mlops-course autograde ps1 --sandbox on`, every core (a process pool)
each as a command from a cold start, so the engine's fixed cost (imports, sandboxes, the
template gradebook, the merge) is in its time. Then the 20-student cohort again with two busy
processes (a Python loop each) beside it, and the engine on a local Dask cluster of one and of
two workers. Every engine run's per-cell scores must equal stock's, cell for cell.

Printed: seconds, students per second, the ratio to stock, the engine's per-phase medians per
submission (from its status file), its fixed cost (the intercept of time against cohort size,
and the start-up it records itself), and the load average before each run.

With --repeat N, stock and the engine take turns on fresh copies (stock first in odd rounds,
the engine first in even ones), and the ratio printed is the median of the N ratios of a stock
run to the engine run beside it, with the lowest and the highest. A shared machine's speed
drifts within minutes by more than the differences being measured: one run each compares two
moments as much as two graders, a ratio taken pair by pair does not.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from mlops_course.grading import gradebook
from mlops_course.grading.nbbuild import cell_meta, notebook

BIN = Path(sys.executable).parent
COURSE_ID = "outside101"
CONFIG = f'c = get_config()\nc.CourseDirectory.course_id = "{COURSE_ID}"\n'


ANALYSIS = [
    new_markdown_cell("# Rentals\nLoad the hours, then answer."),
    new_code_cell(
        "import numpy as np\nimport pandas as pd\n\n"
        "rng = np.random.default_rng(0)\n"
        "hours = pd.DataFrame({'hour': np.arange(2000) % 24, 'cnt': rng.poisson(40, 2000)})",
        metadata=cell_meta("load", locked=True),
    ),
    new_code_cell(
        "def busiest_hour(frame):\n    ### BEGIN SOLUTION\n"
        "    return int(frame.groupby('hour')['cnt'].sum().idxmax())\n    ### END SOLUTION",
        metadata=cell_meta("busiest", solution=True),
    ),
    new_code_cell(
        "assert busiest_hour(hours) in range(24)\n### BEGIN HIDDEN TESTS\n"
        "assert busiest_hour(hours) == int(hours.groupby('hour')['cnt'].sum().idxmax())\n"
        "### END HIDDEN TESTS",
        metadata=cell_meta("test_busiest", grade=True, locked=True, points=2),
    ),
    new_markdown_cell("A slow cell: a bootstrap of the mean, in plain Python."),
    new_code_cell(
        "def bootstrap_mean(values, rounds):\n    ### BEGIN SOLUTION\n"
        "    import random\n    rnd = random.Random(0)\n    values = list(values)\n"
        "    means = []\n    for _ in range(rounds):\n"
        "        sample = [values[rnd.randrange(len(values))] for _ in range(len(values))]\n"
        "        means.append(sum(sample) / len(sample))\n"
        "    return sorted(means)\n    ### END SOLUTION",
        metadata=cell_meta("bootstrap", solution=True),
    ),
    new_code_cell(
        "means = bootstrap_mean(hours['cnt'].tolist()[:500], 300)\n"
        "assert len(means) == 300 and means == sorted(means)\n"
        "### BEGIN HIDDEN TESTS\nassert 35 < means[150] < 45\n### END HIDDEN TESTS",
        metadata=cell_meta("test_bootstrap", grade=True, locked=True, points=3),
    ),
]

MODEL = [
    new_code_cell(
        "def rmse(y, p):\n    ### BEGIN SOLUTION\n"
        "    return (sum((a - b) ** 2 for a, b in zip(y, p)) / len(y)) ** 0.5\n"
        "    ### END SOLUTION",
        metadata=cell_meta("rmse", solution=True),
    ),
    new_code_cell(
        "assert rmse([1, 2], [1, 2]) == 0\n### BEGIN HIDDEN TESTS\n"
        "assert abs(rmse([0, 0], [3, 4]) - 12.5 ** 0.5) < 1e-9\n### END HIDDEN TESTS",
        metadata=cell_meta("test_rmse", grade=True, locked=True, points=2),
    ),
    new_code_cell("# scratch: try things here\nprint('trying')", metadata={}),
    new_code_cell(
        "def baseline(y):\n    ### BEGIN SOLUTION\n    return [sum(y) / len(y)] * len(y)\n"
        "    ### END SOLUTION",
        metadata=cell_meta("baseline", solution=True),
    ),
    new_code_cell(
        "assert baseline([1, 3]) == [2.0, 2.0]\n### BEGIN HIDDEN TESTS\n"
        "assert baseline([5]) == [5.0]\n### END HIDDEN TESTS",
        metadata=cell_meta("test_baseline", grade=True, locked=True, points=1),
    ),
]

WRONG = {
    "busiest": "return 0",
    "bootstrap": "return [0] * rounds",
    "rmse": "return sum(abs(a - b) for a, b in zip(y, p))",
    "baseline": "return list(y)",
}


def build_course(root: Path, students: int) -> None:
    """An nbgrader course with `students` submissions of ps1, built with nbgrader's commands."""
    source = root / "source" / "ps1"
    source.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(CONFIG)
    nbformat.write(notebook(ANALYSIS), source / "analysis.ipynb")
    nbformat.write(notebook(MODEL), source / "model.ipynb")
    _nbgrader(root, "generate_assignment", "ps1")
    solution = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for nb in (ANALYSIS, MODEL)
        for c in nb
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    for i in range(students):
        student = f"s{i:03d}"
        folder = root / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        for name in ("analysis", "model"):
            nb = nbformat.read(root / "release" / "ps1" / f"{name}.ipynb", as_version=4)
            for cell in nb.cells:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                if gid in WRONG and i % 5 != 4:  # every fifth student leaves it blank
                    right = (
                        solution[gid]
                        .replace("### BEGIN SOLUTION\n", "")
                        .replace("    ### END SOLUTION", "")
                    )
                    cell.source = right if (i + len(gid)) % 3 else _wrong(right, gid)
                if name == "model" and cell.source.startswith("# scratch"):
                    cell.source = "# scratch\nprint(undefined_name)"  # the error, every student
            nbformat.write(nb, folder / f"{name}.ipynb")
        (folder / "timestamp.txt").write_text("2026-11-02 10:00:00.000000 UTC")


def _wrong(right: str, gid: str) -> str:
    head = right.splitlines()[0]
    return f"{head}\n    {WRONG[gid]}"


def _nbgrader(root: Path, *args: str) -> float:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    t = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "nbgrader"), *args], cwd=root, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"nbgrader {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - t


def _engine(root: Path, *extra: str) -> float:
    t = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "mlops-course"), "autograde", "ps1", "--sandbox", "on", "--no-progress", *extra],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"mlops-course autograde failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    return time.perf_counter() - t


class Busy:
    """`n` busy Python processes beside the measurement (a CPU-bound loop each)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> Busy:
        loop = "while True:\n    pass"
        self.procs = [subprocess.Popen([sys.executable, "-c", loop]) for _ in range(self.n)]
        time.sleep(1.0)
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            proc.kill()
            proc.wait()


def _scores(root: Path) -> dict:
    return gradebook.cell_scores(root / "gradebook.db", "ps1", COURSE_ID)


def _phases(root: Path) -> dict:
    ledger = json.loads((root / ".mlops-grading" / "reports" / "ps1" / "status.json").read_text())
    phases: dict[str, list[float]] = {}
    for summary in ledger.values():
        for phase, seconds in summary.get("seconds", {}).items():
            phases.setdefault(phase, []).append(seconds)
    return {k: statistics.median(v) for k, v in phases.items()}


def _run_meta(root: Path) -> dict:
    path = root / ".mlops-grading" / "reports" / "ps1" / "run.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _cpu_seconds(pid: int) -> tuple[float, float]:
    """(own CPU, CPU of the children it has reaped) of a process, from /proc, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick


def cpu_split(course: Path, students: int) -> dict:
    """Where one worker's CPU goes per submission: the worker (nbgrader's preprocessors, the
    gradebook, talking to the kernel), the kernels (start, the student's code, exit; counted when
    the factory reaps them) and the factory (forking, cleaning up). One worker in this process,
    sandbox on, on a copy of the course; the first two submissions warm it up."""
    from mlops_course.grading import dropin, run
    from mlops_course.grading.engine import Worker
    from mlops_course.grading.lab import Lab
    from mlops_course.grading.submissions import collect

    where = dropin.layout(course)
    lab = Lab("ps1", where.folder("source", ".", "ps1"), where.folder("release", ".", "ps1"))
    options = run.Options(
        out=where.root, sandbox="on", feedback=False, write_submitted=False, course=where
    )
    subs = collect(where.root / "submitted", "ps1", lab.notebooks, None)
    bundle, _ = run.bundle_for(lab, options, private=(where.root,), plan=run.plan_for(lab, options))
    worker = Worker(bundle)
    try:
        for sub in subs[:2]:
            worker.grade(sub)
        factory = worker.sandbox.factory_host_pid
        measured = subs[2 : 2 + students]
        mine, (fac, kernels) = time.process_time(), _cpu_seconds(factory)
        wall = time.perf_counter()
        for sub in measured:
            worker.grade(sub)
        wall = time.perf_counter() - wall
        mine, (fac2, kernels2) = time.process_time() - mine, _cpu_seconds(factory)
    finally:
        worker.close()
    n = len(measured)
    return {
        "submissions": n,
        "wall": wall / n,
        "worker": mine / n,
        "kernels": (kernels2 - kernels) / n,
        "factory": (fac2 - fac) / n,
    }


def _kernel_cpu(pid: int) -> float:
    """CPU seconds of every thread of a process so far, to the nanosecond (schedstat)."""
    tasks = Path(f"/proc/{pid}/task")
    return sum(int((t / "schedstat").read_text().split()[0]) for t in tasks.iterdir()) / 1e9


def kernel_start(kernels: int) -> dict:
    """A forked kernel's CPU from the fork to its first reply, and the cleanup after it, for a
    factory that builds the kernels' command line and module list ahead (its sandbox folders
    where `scratch_root` puts them) and for one that leaves both to each kernel (folders on
    the default temporary folder): same sandbox, same preload as the outside course."""
    from unittest import mock

    from jupyter_client import BlockingKernelClient

    from mlops_course.grading import sandbox

    out: dict = {}
    for ahead in (False, True):
        root = sandbox.scratch_root() if ahead else None
        with mock.patch.object(sandbox, "scratch_root", lambda root=root: root):
            box = sandbox.Sandbox("ps1", sandbox.Limits(), ("numpy", "pandas"), ahead=ahead)
        box.start()
        cpu, cleanup = [], []
        try:
            for _ in range(kernels + 1):  # the first one warms up
                handle = box.spawn()
                kc = BlockingKernelClient()
                kc.load_connection_info(handle.connection)
                kc.start_channels()
                kc.wait_for_ready(timeout=60)
                kc.stop_channels()
                (proc,) = [p for p in box.kernel_processes() if p.ppid() == box.factory_host_pid]
                cpu.append(_kernel_cpu(proc.pid))
                t = time.perf_counter()
                box.cleanup(handle)
                cleanup.append(time.perf_counter() - t)
        finally:
            box.close()
        out["ahead" if ahead else "each"] = {
            "cpu": statistics.median(cpu[1:]),
            "cleanup": statistics.median(cleanup[1:]),
            "scratch": str(box.scratch.parent),
        }
    return out


def _turns(fresh, repeat: int, stock: bool) -> dict[str, list[float]]:
    """Seconds of each grader's runs, taking turns on fresh copies (who goes first alternates,
    so a machine that speeds up or slows down during the turns favours neither)."""
    runs: dict[str, list[float]] = {"stock": [], "engine": []}
    for turn in range(repeat):
        for who in ("stock", "engine") if turn % 2 == 0 else ("engine", "stock"):
            if who == "stock" and stock:
                runs["stock"].append(_nbgrader(fresh("stock"), "autograde", "ps1"))
            elif who == "engine":
                runs["engine"].append(_engine(fresh("engine")))
    return runs


def measure(
    work: Path, students: int, busy: int, dask: bool, stock: bool, repeat: int = 1
) -> dict:
    """Stock and the engine on identical copies of one cohort; the engine's phases. With
    `repeat` above 1 the two take turns that many times, each on a fresh copy."""
    base = work / f"course-{students}"
    if not base.exists():
        build_course(base, students)
    out: dict = {"students": students, "busy": busy, "load_before": os.getloadavg()}
    copies = {}

    def fresh(name: str) -> Path:
        copies[name] = work / f"{name}-{students}-{busy}"
        shutil.rmtree(copies[name], ignore_errors=True)
        shutil.copytree(base, copies[name])
        return copies[name]

    for name in ("dask1", "dask2"):
        fresh(name)
    with Busy(busy):
        runs = _turns(fresh, repeat, stock)
        out["engine"] = statistics.median(runs["engine"])
        if stock:
            out["stock"] = statistics.median(runs["stock"])
            if repeat > 1:
                out["ratios"] = [a / b for a, b in zip(runs["stock"], runs["engine"], strict=True)]
        if dask:
            out["dask1"] = _engine(copies["dask1"], "--scheduler", "local", "--jobs", "1")
            out["dask2"] = _engine(copies["dask2"], "--scheduler", "local", "--jobs", "2")
    out["phases"] = _phases(copies["engine"])
    out["run"] = _run_meta(copies["engine"])
    for name in ("dask1", "dask2"):
        if name in out:
            out[f"{name}_run"] = _run_meta(copies[name])
    ours = _scores(copies["engine"])
    out["cells"] = len(ours)
    if stock:
        theirs = _scores(copies["stock"])
        out["identical"] = {
            name: _scores(copies[name]) == theirs
            for name in ("engine", "dask1", "dask2")
            if name in out
        }
    return out


def _steady(students: int, run: dict) -> float | None:
    """Students a second once the workers are up: a cluster's start-up (its processes, their
    imports and sandboxes: `start_workers`) is paid once however many students follow, so this
    is the rate a course of a thousand students would see."""
    secs = run.get("seconds", {})
    left = secs.get("grading", 0) - secs.get("prepare", 0) - secs.get("start_workers", 0)
    return students / left if left > 0 else None


# The engine's fixed cost as its run.json records it: the command's start-up, reading the
# course and preparing the lab, the workers' first start, the merge, the reports, closing.
FIXED_PHASES = ("before_run", "prepare", "start_workers", "merge", "reports", "close_sandboxes")


def report(results: list[dict]) -> None:
    cores = os.cpu_count()
    print(f"\nGrading benchmark: outside nbgrader course, two notebooks a student, {cores} cores")
    print(f"{'cohort':<28}{'stock s':>9}{'engine s':>10}{'ratio':>8}{'per student':>13}  identical")
    for r in results:
        label = f"{r['students']} students" + (f", {r['busy']} busy procs" if r["busy"] else "")
        stock, engine = r.get("stock"), r["engine"]
        ratio = f"{stock / engine:.2f}x" if stock else "-"
        if r.get("ratios"):  # taken pair by pair, not from the two medians
            ratio = f"{statistics.median(r['ratios']):.2f}x"
        same = r.get("identical", {}).get("engine", "-")
        stock_txt = f"{stock:.1f}" if stock else "-"
        print(
            f"{label:<28}{stock_txt:>9}{engine:>10.1f}{ratio:>8}{engine / r['students']:>12.2f}s"
            f"  {same} ({r['cells']} cells)"
        )
        print(f"  load average before: {' '.join(f'{x:.2f}' for x in r['load_before'])}")
        if r.get("ratios"):
            pairs = sorted(r["ratios"])
            print(
                f"  {len(pairs)} turns each, medians above; ratio pair by pair "
                f"{pairs[0]:.2f}x to {pairs[-1]:.2f}x"
            )
    idle = {r["students"]: r for r in results if not r["busy"]}
    if len(idle) >= 2:
        small, large = sorted(idle)[:2]
        for who in ("stock", "engine"):
            if who not in idle[small]:
                continue
            slope = (idle[large][who] - idle[small][who]) / (large - small)
            fixed = idle[small][who] - slope * small
            fit = f"{slope:.2f} s a student + {fixed:.1f} s fixed"
            print(f"{who}: {fit} (fit over {small} and {large} students)")
    for r in results:
        phases = ", ".join(f"{k} {v:.3f}" for k, v in sorted(r["phases"].items()))
        where = f"{r['students']} students, {r['busy']} busy"
        print(f"engine phases, median s per submission ({where}): {phases}")
        if r.get("run"):
            secs = r["run"].get("seconds", {})
            fixed = [k for k in FIXED_PHASES if k in secs]
            parts = ", ".join(f"{k} {secs[k]:.3f}" for k in fixed)
            print(
                f"  engine fixed cost (its run.json): {parts}; "
                f"sum {sum(secs[k] for k in fixed):.2f} s"
            )
        if "dask2" in r:
            d1, d2 = r["students"] / r["dask1"], r["students"] / r["dask2"]
            same = r.get("identical", {})
            print(
                f"  Dask local cluster: 1 worker {r['dask1']:.1f} s ({d1:.2f}/s), 2 workers "
                f"{r['dask2']:.1f} s ({d2:.2f}/s): {d2 / d1:.2f}x throughput; identical to stock: "
                f"{same.get('dask1', '-')}, {same.get('dask2', '-')}"
            )
            s1, s2 = _steady(r["students"], r["dask1_run"]), _steady(r["students"], r["dask2_run"])
            if s1 and s2:
                print(
                    f"  once the cluster is up (run.json: grading less prepare and start_workers):"
                    f" 1 worker {s1:.2f}/s, 2 workers {s2:.2f}/s: {s2 / s1:.2f}x"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 40])
    parser.add_argument("--skip-busy", action="store_true")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--only-engine", action="store_true", help="no stock runs (quick look)")
    parser.add_argument("--keep", type=Path, default=None, help="work folder to keep")
    parser.add_argument(
        "--cpu", type=int, default=20, help="submissions for the CPU split (0: skip it)"
    )
    parser.add_argument(
        "--kernel-start",
        type=int,
        default=20,
        help="kernels for the start and cleanup comparison (0: skip it)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="turns of stock and engine per cohort (medians)"
    )
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="grading-course-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for size in args.sizes:
            dask = not args.skip_dask and size == max(args.sizes)
            results.append(measure(work, size, 0, dask, not args.only_engine, args.repeat))
            report(results[-1:])
        if not args.skip_busy:
            busy = measure(work, min(args.sizes), 2, False, not args.only_engine, args.repeat)
            results.append(busy)
            report(results[-1:])
        print("\n=== summary ===")
        report(results)
        if args.cpu:
            base = work / f"course-{max(args.sizes)}"
            copy = work / "cpu-split"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(base, copy)
            split = cpu_split(copy, min(args.cpu, max(args.sizes) - 2))
            total = split["worker"] + split["kernels"] + split["factory"]
            print(
                f"CPU per submission, one worker in-process ({split['submissions']} submissions, "
                f"sandbox on): worker {split['worker']:.3f} s, kernels {split['kernels']:.3f} s, "
                f"factory {split['factory']:.3f} s; sum {total:.3f} s "
                f"(wall {split['wall']:.3f} s a submission)"
            )
        if args.kernel_start:
            start = kernel_start(args.kernel_start)
            each, ahead = start["each"], start["ahead"]
            print(
                f"Kernel start, median of {args.kernel_start} forked kernels: CPU from the fork "
                f"to its first reply {each['cpu'] * 1000:.1f} ms when each kernel parses its "
                f"command line and lists the modules, {ahead['cpu'] * 1000:.1f} ms built ahead "
                f"in the factory; cleanup after a kernel {each['cleanup'] * 1000:.1f} ms with "
                f"the sandbox folders in {each['scratch']}, {ahead['cleanup'] * 1000:.1f} ms in "
                f"{ahead['scratch']}"
            )
        print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
