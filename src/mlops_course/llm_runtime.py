"""Sprint 06's local LLM runtime (llama-cpp-python), installed after everything else.

llama-cpp-python publishes no wheels on the package index, only its source, so installing it
compiles llama.cpp: about 8 minutes on 2 cores the first time (the package cache keeps the
build, so later installs take seconds). Only sprint 06 needs it, so `./course lab` installs
every other locked package first, opens JupyterLab, and builds the runtime in the background;
`./course setup` and `./course test` build it in the foreground. The lock still pins it: this
module installs exactly the locked version and nothing else (its dependencies are in the lock).

    python -m mlops_course.llm_runtime status        # ready / building / failed / missing
    python -m mlops_course.llm_runtime install       # build now (waits for a running build)
    python -m mlops_course.llm_runtime install --background

The state lives in `<venv>/llm-runtime/`: `build.log` (the compiler's output), `build.lock`
(held by the process that builds), `build.pid` (its process id; in the background it leads
its own process group) and `build.status` (the exit code of the last build).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

from mlops_course import settings

PACKAGE = "llama-cpp-python"
# Measured on a 2-core machine with an empty package cache (benchmarks/README.md).
FIRST_BUILD_MINUTES = 8
RUN_COMMAND = "./course runtime"
# Built for any x86-64/arm64 CPU, not only this one, so the cached build can be reused on
# another machine of the class (and by the grading sandbox).
DEFAULT_CMAKE_ARGS = "-DGGML_NATIVE=OFF"


class LLMRuntimeError(RuntimeError):
    """The runtime could not be installed; the message says what to do."""


@dataclass(frozen=True)
class RuntimeState:
    """Where sprint 06's runtime stands: `ready`, `building`, `failed` or `missing`."""

    status: str
    pinned: str
    installed: str | None
    log: Path
    started: float | None = None  # when the running build began (epoch seconds)

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    def message(self) -> str:
        """What a student should read: the state, how long it takes, and what to run."""
        name = f"{PACKAGE} {self.pinned}"
        if self.status == "ready":
            return f"Sprint 06's local LLM runtime is ready ({name})."
        if self.status == "building":
            minutes = (time.time() - self.started) / 60 if self.started else 0.0
            return (
                f"Sprint 06's local LLM runtime ({name}) is still being prepared: llama.cpp is "
                f"compiling in the background, started {minutes:.0f} min ago; the first build "
                f"takes about {FIRST_BUILD_MINUTES} minutes on 2 cores. Meanwhile run this "
                "notebook with FAST = True (recorded answers), or wait for it: run "
                f"`{RUN_COMMAND}` in a terminal in the course folder (it waits and says when "
                f"it is done). Progress: {settings.display_path(self.log)}"
            )
        what = ("its last build failed" if self.status == "failed"
                else "it is not installed yet")
        return (
            f"Sprint 06's local LLM runtime ({name}) is not ready: {what}. Run `{RUN_COMMAND}` "
            "in a terminal in the course folder: it compiles llama.cpp (about "
            f"{FIRST_BUILD_MINUTES} minutes on 2 cores the first time). Until then run this "
            "notebook with FAST = True (recorded answers)."
            + (f" The failed build's output: {settings.display_path(self.log)}"
               if self.status == "failed" else "")
        )


def state_dir(prefix: str | Path | None = None) -> Path:
    """The folder in the environment that holds the build's log, lock and status."""
    return Path(prefix or sys.prefix) / "llm-runtime"


def pinned_version(lock: Path | None = None) -> str:
    """The version of llama-cpp-python that requirements.lock pins."""
    lock = lock or settings.LOCK_FILE
    for line in lock.read_text().splitlines():
        name, _, version = line.split(";")[0].strip().partition("==")
        if name.lower() == PACKAGE:
            return version.strip()
    raise LLMRuntimeError(f"{settings.display_path(lock)} does not pin {PACKAGE}.")


def installed_version() -> str | None:
    """The installed version of the runtime, or None."""
    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return None
    return version if find_spec("llama_cpp") is not None else None


def _lock_is_held(path: Path) -> bool:
    """True when another process holds the build lock (a build is running)."""
    if not path.exists():
        return False
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def state(prefix: str | Path | None = None) -> RuntimeState:
    """The runtime's state in this environment (or the one at `prefix`)."""
    folder = state_dir(prefix)
    pinned, installed = pinned_version(), installed_version()
    log, lock, status = folder / "build.log", folder / "build.lock", folder / "build.status"
    if installed == pinned:
        return RuntimeState("ready", pinned, installed, log)
    if _lock_is_held(lock):
        return RuntimeState("building", pinned, installed, log, lock.stat().st_mtime)
    failed = status.is_file() and status.read_text().strip() not in ("", "0")
    return RuntimeState("failed" if failed else "missing", pinned, installed, log)


def _uv() -> str:
    uv = Path(sys.prefix) / "bin" / "uv"
    if not uv.exists():
        raise LLMRuntimeError("uv is not installed in this environment: run `./course setup`.")
    return str(uv)


def _build(pinned: str, log: Path) -> int:
    """Compile and install the pinned runtime, without dependencies (the lock has them)."""
    command = [_uv(), "pip", "install", "--no-deps", "--compile-bytecode", "--python",
               sys.executable, f"{PACKAGE}=={pinned}"]
    env = {**os.environ, "CMAKE_ARGS": os.environ.get("CMAKE_ARGS", DEFAULT_CMAKE_ARGS)}
    with log.open("w") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        return subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env).returncode


def install(*, quiet: bool = False) -> RuntimeState:
    """Build and install the pinned runtime unless it is there; wait for a running build.

    Raises `LLMRuntimeError` with the tail of the build's output when the build fails.
    """
    folder = state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    log, status = folder / "build.log", folder / "build.status"
    say = (lambda _text: None) if quiet else (lambda text: print(text, flush=True))
    with (folder / "build.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("Sprint 06's runtime is already being built in the background; waiting for it "
                f"(progress: {log}).")
            fcntl.flock(handle, fcntl.LOCK_EX)
        os.utime(folder / "build.lock")  # the build's start time, for `state()`
        (folder / "build.pid").write_text(f"{os.getpid()}\n")  # to stop it (benchmarks)
        current = state()
        if current.ready:
            return current
        say(f"Building sprint 06's LLM runtime ({PACKAGE} {current.pinned}): llama.cpp compiles "
            f"once, about {FIRST_BUILD_MINUTES} minutes on 2 cores (log: {log}).")
        code = _build(current.pinned, log)
        status.write_text(f"{code}\n")
    final = state()
    if not final.ready:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        raise LLMRuntimeError(
            f"Building {PACKAGE} {final.pinned} failed (exit code {code}). Its last lines:\n{tail}"
            "\nIt needs a C/C++ compiler and CMake (Debian/Ubuntu: `sudo apt install "
            "build-essential cmake`; macOS: `xcode-select --install`); then run "
            f"`{RUN_COMMAND}` again. Sprints 00-05 do not need it."
        )
    say(f"Sprint 06's runtime is ready ({PACKAGE} {final.pinned}).")
    return final


def install_in_background() -> RuntimeState:
    """Start `install` in its own session (it outlives the terminal) unless it is not needed."""
    current = state()
    if current.status in ("ready", "building"):
        return current
    folder = state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.Popen(
        [sys.executable, "-m", "mlops_course.llm_runtime", "install", "--quiet"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, cwd=settings.REPO_ROOT,
    )
    deadline = time.monotonic() + 10  # until the child holds the lock, so state() says so
    while time.monotonic() < deadline and state().status not in ("building", "ready"):
        time.sleep(0.1)
    return state()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlops_course.llm_runtime",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="print the runtime's state; exit 0 only when ready")
    build = sub.add_parser("install", help="build and install the locked runtime")
    build.add_argument("--background", action="store_true", help="start it and return")
    build.add_argument("--quiet", action="store_true", help="print nothing")
    args = parser.parse_args(argv)
    if args.command == "status":
        current = state()
        print(current.message())
        return 0 if current.ready else 1
    if args.background:
        current = install_in_background()
        if current.status == "building":
            print(f"Sprint 06's LLM runtime ({PACKAGE}) is compiling in the background (about "
                  f"{FIRST_BUILD_MINUTES} minutes on 2 cores the first time); sprints 00-05 "
                  f"do not need it. `{RUN_COMMAND}` waits for it.")
        return 0
    try:
        install(quiet=args.quiet)
    except LLMRuntimeError as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
