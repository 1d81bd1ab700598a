"""Time a clean setup, a repeated setup, and every notebook in fast mode, in one run.

    .venv/bin/python benchmarks/setup_and_notebooks.py [--skip-setup | --skip-notebooks]
        [--cold-cache] [--keep DIR]

The clean setup clones the committed course into a temporary folder and runs `./course setup`
there (a new .venv; the package cache of this machine stays warm, as on a student's second
course). With --cold-cache it first runs one more clean setup with an empty package cache, as on
a fresh machine (every package downloaded, llama.cpp compiled). The repeated setup runs it again
in the same clone. The notebooks are executed by the same harness the tests use, in this
checkout; --keep saves the executed copies for reading.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from mlops_course import notebooks, settings

ROOT = settings.REPO_ROOT


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started


def clone(into: Path) -> Path:
    folder = into / "course"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(folder)], check=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-setup", action="store_true", help="only time the notebooks")
    parser.add_argument(
        "--cold-cache", action="store_true", help="also time a setup with an empty package cache"
    )
    parser.add_argument("--skip-notebooks", action="store_true", help="only time the setup")
    parser.add_argument("--keep", type=Path, help="save the executed notebooks in this folder")
    args = parser.parse_args()
    rows: list[tuple[str, float]] = []
    setup = ["./course", "setup"]
    if args.cold_cache and not args.skip_setup:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "UV_CACHE_DIR": str(Path(tmp) / "uv-cache")}
            seconds = timed(setup, clone(Path(tmp)), env)
            rows.append(("clean setup (new .venv, empty package cache)", seconds))
    if not args.skip_setup:
        with tempfile.TemporaryDirectory() as tmp:
            folder = clone(Path(tmp))
            rows.append(("clean setup (new .venv, warm cache)", timed(setup, folder)))
            rows.append(("repeated setup", timed(setup, folder)))
    total = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        found = [] if args.skip_notebooks else notebooks.find_notebooks()
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        for path in found:
            timing = notebooks.execute(path, out / path.name)
            label = f"notebook {timing.notebook} (budget {timing.budget:.0f} s)"
            rows.append((label, timing.seconds))
            total += timing.seconds
    if found:
        rows.append(("all notebooks, fast mode", total))
    width = max(len(name) for name, _ in rows)
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:8.1f} s")


if __name__ == "__main__":
    main()
