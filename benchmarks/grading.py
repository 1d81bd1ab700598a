"""Autograde throughput: stock `nbgrader autograde` against the course's engine, side by side.

    .venv/bin/python benchmarks/grading.py [--size 40] [--lab 00-start-here]

One cohort of plausible submissions (right, blank, partly right, every mutant) of one real lab
is graded three times in one run:
    stock    `nbgrader autograde`, serial, as nbgrader ships it (the course's config file)
    engine   `mlops-course grade` on every core (a process pool, sandboxed)
    engine   the same with one worker
and the script prints submissions per second, the ratio to stock, peak memory (PSS of every
process involved, sampled), where the time goes, and whether the per-cell scores are identical.
Feedback and reports are off in the engine's runs: stock autograde does not make them either.
Stock's split comes from the timestamps of its own DEBUG log lines (per-student gradebook and
files, sanitize, kernel start, execution including nbgrader's scoring).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import psutil

from mlops_course import settings
from mlops_course.grading import cohort, gradebook, run, stock
from mlops_course.grading.lab import get_lab


class PeakMemory:
    """Largest total PSS of a process tree, sampled every `every` seconds in a thread."""

    def __init__(self, root_pid: int | None = None, every: float = 0.5) -> None:
        self.root_pid = root_pid or os.getpid()
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        try:
            root = psutil.Process(self.root_pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for proc in procs:
            try:
                total += proc.memory_full_info().pss
            except psutil.Error:
                continue
        return total

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, self._sample())

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


LOG_LINE = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3}) (.*)$")


def stock_split(log: str) -> dict[str, float]:
    """Seconds per phase, from the timestamps of stock nbgrader's own (DEBUG) log lines."""
    totals: Counter = Counter()
    marks: dict[str, float] = {}
    for line in log.splitlines():
        match = LOG_LINE.match(line)
        if not match:
            continue
        stamp = datetime.strptime(match.group(1), "%H:%M:%S.%f")
        t = stamp.hour * 3600 + stamp.minute * 60 + stamp.second + stamp.microsecond / 1e6
        text = match.group(2)
        if text.startswith("Creating/updating student"):
            marks = {"student": t}
        elif text.startswith("Sanitizing") and "student" in marks:
            totals["gradebook and files"] += t - marks.pop("student")
            marks["sanitize"] = t
        elif text.startswith("Autograding") and "sanitize" in marks:
            totals["sanitize"] += t - marks.pop("sanitize")
            marks["autograde"] = t
        elif text.startswith("Executing cell") and "autograde" in marks:
            totals["kernel start"] += t - marks.pop("autograde")
            marks["ready"] = t
        elif text.startswith("Writing") and "ready" in marks and "/autograded/" in text:
            totals["execution and nbgrader's scoring"] += t - marks.pop("ready")
    return dict(totals)


def run_stock(lab, cohort_dir: Path, work: Path) -> dict:
    root = stock.course_folder(lab, cohort_dir, work / "stock")
    command = [
        str(Path(sys.executable).parent / "nbgrader"),
        "autograde",
        lab.name,
        "--log-level=DEBUG",  # timestamps of its own log lines give stock's time split
        "--Application.log_format=%(asctime)s.%(msecs)03d %(message)s",
        "--Application.log_datefmt=%H:%M:%S",
    ]
    env = {
        **os.environ,
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
        "HOME": str(root / "home"),
    }
    (root / "home").mkdir()
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    with PeakMemory(proc.pid) as memory:
        log, _ = proc.communicate()
    seconds = time.perf_counter() - started
    split = stock_split(log)
    split["other"] = max(seconds - sum(split.values()), 0.0)
    errors = [line for line in log.splitlines() if "ERROR" in line or "Error:" in line]
    return {
        "seconds": seconds,
        "peak_mb": memory.peak / 1e6,
        "split": split,
        "scores": gradebook.cell_scores(root / "gradebook.db", lab.name),
        "returncode": proc.returncode,
        "errors": errors,
    }


def run_engine(lab, cohort_dir: Path, work: Path, jobs: int) -> dict:
    options = run.Options(
        out=work / f"engine-{jobs}",
        jobs=jobs,
        progress=False,
        reports=False,
        feedback=False,
        write_submitted=False,
    )
    started = time.perf_counter()
    with PeakMemory() as memory:
        result = run.grade(lab, cohort_dir, options)
    seconds = time.perf_counter() - started
    split: Counter = Counter()
    for outcome in result.outcomes.values():
        for key in ("kernel_start", "execute", "gradebook", "sanitize", "cleanup"):
            split[key] += outcome.seconds.get(key, 0.0)
    split["gradebook"] += result.seconds["merge"]
    busy = sum(split.values())
    named = {
        "kernel start": split["kernel_start"],
        "execution": split["execute"],
        "gradebook writes": split["gradebook"],
        "sanitize": split["sanitize"],
        "cleanup": split["cleanup"],
    }
    return {
        "seconds": seconds,
        "peak_mb": memory.peak / 1e6,
        "split": named,
        "worker_seconds": busy,
        "sandbox": result.sandbox,
        "statuses": Counter(o.status.value for o in result.outcomes.values()),
        "scores": gradebook.cell_scores(options.out / "gradebook.db", lab.name),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="00-start-here")
    parser.add_argument("--size", type=int, default=40, help="submissions (at least 40)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    lab = get_lab(args.lab)
    cores = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="mlops-bench-grading-"))
    try:
        cohort_dir = cohort.plausible(lab, work / "cohort", args.size)
        print(
            f"Grading benchmark: {args.size} submissions of {lab.name}, {cores} cores.", flush=True
        )
        results = {"stock nbgrader (serial)": run_stock(lab, cohort_dir, work)}
        print("  stock done", flush=True)
        results[f"engine, {cores} workers"] = run_engine(lab, cohort_dir, work, cores)
        print("  engine done", flush=True)
        results["engine, 1 worker"] = run_engine(lab, cohort_dir, work, 1)
        report(results, args.size)
        out = settings.workspace("benchmarks") / "grading.json"
        out.write_text(
            json.dumps(
                {k: {kk: vv for kk, vv in v.items() if kk != "scores"} for k, v in results.items()},
                indent=1,
                default=str,
            )
        )
        print(f"\nFigures saved to {out}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def report(results: dict, size: int) -> None:
    base = results["stock nbgrader (serial)"]
    print(f"\n{'':26}{'seconds':>9}{'subs/s':>9}{'vs stock':>10}{'peak MB':>9}")
    for name, r in results.items():
        print(
            f"{name:26}{r['seconds']:9.1f}{size / r['seconds']:9.2f}"
            f"{base['seconds'] / r['seconds']:9.2f}x{r['peak_mb']:9.0f}"
        )
    print("\nWhere the time goes (seconds, summed over submissions):")
    for name, r in results.items():
        parts = ", ".join(f"{k} {v:.1f}" for k, v in r["split"].items())
        print(f"  {name}: {parts}")
    for name, r in results.items():
        if name == "stock nbgrader (serial)":
            continue
        keys = set(r["scores"]) | set(base["scores"])
        differ = sorted(k for k in keys if r["scores"].get(k, 0.0) != base["scores"].get(k, 0.0))
        print(
            f"Per-cell scores of {name} identical to stock: {'yes' if not differ else 'NO'} "
            f"({len(keys)} cells)"
        )
        for key in differ[:6]:
            print(f"  {key}: stock {base['scores'].get(key)}, engine {r['scores'].get(key)}")
    if base["returncode"] != 0:
        print(f"Stock nbgrader exited with {base['returncode']}; its errors:")
        for line in base["errors"][:8]:
            print(f"  {line}")
    engine = next(r for n, r in results.items() if n.startswith("engine"))
    print(f"Sandbox: {engine['sandbox']}; statuses: {dict(engine['statuses'])}")


if __name__ == "__main__":
    main()
