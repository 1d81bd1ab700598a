"""Time a clean setup, a repeated setup, `./course lab`, and every notebook in fast mode.

    .venv/bin/python benchmarks/setup_and_notebooks.py [--skip-setup | --skip-notebooks]
        [--cold-cache] [--lab] [--keep DIR]

The clean setup clones the committed course into a temporary folder and runs `./course setup`
there (a new .venv; the package cache of this machine stays warm, as on a student's second
course). With --cold-cache it first runs one more clean setup with an empty package cache, as on
a fresh machine (every package downloaded, llama.cpp compiled). With --lab it runs what a new
student runs instead, `./course lab --no-browser`, in a fresh clone with an empty package cache,
and reports when JupyterLab first answers over HTTP and when sprint 06's runtime (llama.cpp)
can be imported. The repeated setup runs it again in the same clone. The notebooks are executed
by the same harness the tests use, in this checkout; --keep saves the executed copies for
reading.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from mlops_course import notebooks, servers, settings

ROOT = settings.REPO_ROOT
LAB_TIMEOUT = 1800.0  # a cold setup that compiles llama.cpp first took about 480 s


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


def cold_env(tmp: Path) -> dict[str, str]:
    """This machine's environment with empty package caches (uv's and pip's), as when new."""
    return {**os.environ, "UV_CACHE_DIR": str(tmp / "uv-cache"),
            "PIP_CACHE_DIR": str(tmp / "pip-cache")}


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


def _runtime_imports(folder: Path) -> bool:
    python = folder / ".venv" / "bin" / "python"
    return python.exists() and subprocess.run(
        [str(python), "-c", "import llama_cpp"], capture_output=True).returncode == 0


def _stop_background_build(folder: Path) -> None:
    """Stop a runtime build still compiling in the clone, before the clone is deleted."""
    pid_file = folder / ".venv" / "llm-runtime" / "build.pid"
    try:
        os.killpg(int(pid_file.read_text()), signal.SIGTERM)
    except (OSError, ValueError):
        return  # finished, or never started


def time_lab(tmp: Path) -> list[tuple[str, float]]:
    """Seconds from `./course lab` to JupyterLab answering, and to llama.cpp importing."""
    folder = clone(tmp)
    port = servers.free_port()
    log = (tmp / "course-lab.log").open("w")
    started = time.perf_counter()
    lab = subprocess.Popen(
        ["./course", "lab", "--no-browser", "--port", str(port)], cwd=folder,
        env={**cold_env(tmp), "CI": ""}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,  # so the whole group (JupyterLab, its kernels) stops at the end
    )
    lab_seconds = runtime_seconds = float("nan")
    try:
        while time.perf_counter() - started < LAB_TIMEOUT:
            if lab.poll() is not None:
                raise SystemExit(f"./course lab exited with {lab.returncode}; see {log.name}")
            if math.isnan(lab_seconds) and _answers(f"http://127.0.0.1:{port}/api/status"):
                lab_seconds = time.perf_counter() - started
                print(f"JupyterLab answered after {lab_seconds:.0f} s", flush=True)
            if not math.isnan(lab_seconds) and _runtime_imports(folder):
                runtime_seconds = time.perf_counter() - started
                break
            time.sleep(1 if math.isnan(lab_seconds) else 5)
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=60)
        _stop_background_build(folder)
        log.close()
    return [("./course lab until JupyterLab answers (new clone, empty package cache)", lab_seconds),
            (f"... until sprint 06's llama.cpp runtime imports (nan: over {LAB_TIMEOUT:.0f} s)",
             runtime_seconds)]


def time_setups(cold_cache: bool) -> list[tuple[str, float]]:
    rows: list[tuple[str, float]] = []
    setup = ["./course", "setup"]
    if cold_cache:
        with tempfile.TemporaryDirectory() as tmp:
            seconds = timed(setup, clone(Path(tmp)), cold_env(Path(tmp)))
            rows.append(("clean setup (new .venv, empty package cache)", seconds))
    with tempfile.TemporaryDirectory() as tmp:
        folder = clone(Path(tmp))
        rows.append(("clean setup (new .venv, warm cache)", timed(setup, folder)))
        rows.append(("repeated setup", timed(setup, folder)))
    return rows


def time_notebooks(keep: Path | None) -> list[tuple[str, float]]:
    rows: list[tuple[str, float]] = []
    total = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        out = keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        for path in notebooks.find_notebooks():
            timing = notebooks.execute(path, out / path.name)
            rows.append((f"notebook {timing.notebook} (budget {timing.budget:.0f} s)",
                         timing.seconds))
            total += timing.seconds
    rows.append(("all notebooks, fast mode", total))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-setup", action="store_true", help="only time the notebooks")
    parser.add_argument(
        "--cold-cache", action="store_true", help="also time a setup with an empty package cache"
    )
    parser.add_argument("--lab", action="store_true",
                        help="time `./course lab` on a fresh clone with an empty package cache")
    parser.add_argument("--skip-notebooks", action="store_true", help="only time the setup")
    parser.add_argument("--keep", type=Path, help="save the executed notebooks in this folder")
    args = parser.parse_args()
    rows: list[tuple[str, float]] = []
    if args.lab:
        with tempfile.TemporaryDirectory() as tmp:
            rows += time_lab(Path(tmp))
    if not args.skip_setup:
        rows += time_setups(args.cold_cache)
    if not args.skip_notebooks:
        rows += time_notebooks(args.keep)
    width = max(len(name) for name, _ in rows)
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:8.1f} s")


if __name__ == "__main__":
    main()
