"""Time a clean setup, a repeated setup, and every notebook in fast mode, in one run.

    .venv/bin/python benchmarks/setup_and_notebooks.py [--skip-setup]

The clean setup clones the committed course into a temporary folder and runs `./course setup`
there (a new .venv; the package cache of this machine stays warm, as on a student's second
course). The repeated setup runs it again in the same clone. The notebooks are executed by the
same harness the tests use, in this checkout.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from mlops_course import notebooks, settings

ROOT = settings.REPO_ROOT


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-setup", action="store_true", help="only time the notebooks")
    args = parser.parse_args()
    rows: list[tuple[str, float]] = []
    if not args.skip_setup:
        with tempfile.TemporaryDirectory() as tmp:
            clone = Path(tmp) / "course"
            subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
            setup = ["./course", "setup"]
            rows.append(("clean setup (new .venv, warm cache)", timed(setup, clone)))
            rows.append(("repeated setup", timed(setup, clone)))
    total = 0.0
    with tempfile.TemporaryDirectory() as out:
        for path in notebooks.find_notebooks():
            timing = notebooks.execute(path, Path(out) / path.name)
            label = f"notebook {timing.notebook} (budget {timing.budget:.0f} s)"
            rows.append((label, timing.seconds))
            total += timing.seconds
    rows.append(("all notebooks, fast mode", total))
    width = max(len(name) for name, _ in rows)
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:8.1f} s")


if __name__ == "__main__":
    main()
