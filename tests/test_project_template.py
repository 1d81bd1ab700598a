"""The project template, tested the way a student uses it.

It is copied to a temporary folder outside the course repository, set up with the command its
README gives (`make setup`), its own test suite is run, and then the documented loop runs end
to end: train -> register a champion -> serve -> predict over HTTP -> monitor one window ->
run the pipeline locally and compile it. Afterwards no server may be left running.

The checks on the files themselves (the data is the course's data; the pins are the course
lock's versions, so setup installs from uv's cache) are quick and run in every suite.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mlops_course import servers, settings

TEMPLATE = settings.REPO_ROOT / "project_template"
COURSE_DATA = settings.REPO_ROOT / "datasets" / "bike_sharing"
GENERATED = (
    ".venv", "__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache", "mlflow.db", "mlruns",
    "reports", "local_outputs", "artifacts", "pipeline.yaml",
)
RECORD = {
    "hr": 8, "weekday": "Wed", "workingday": 1, "holiday": 0, "weathersit": "Clear",
    "temp": 18.5, "hum": 60, "windspeed": 12.0,
}


def pins(path: Path) -> dict[str, set[str]]:
    """Package -> pinned versions in a requirements/lock file (several when markers differ)."""
    found: dict[str, set[str]] = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if match:
            found.setdefault(match[1].lower().replace("_", "-"), set()).add(match[2])
    return found


def test_the_template_ships_the_course_dataset_unchanged():
    for name in ("hour.csv", "datacard.md"):
        copy, original = TEMPLATE / "data" / name, COURSE_DATA / name
        assert copy.read_bytes() == original.read_bytes(), f"data/{name} differs from the course's"


def test_the_template_pins_the_versions_of_the_course_lock():
    course = pins(settings.REPO_ROOT / "requirements.lock")
    locks = [TEMPLATE / "requirements.lock", *(TEMPLATE / "docker").glob("requirements-*.lock")]
    for lock in locks:
        for name, versions in pins(lock).items():
            assert versions <= course.get(name, set()), (
                f"{lock.relative_to(TEMPLATE)} pins {name} {versions}, the course lock has "
                f"{course.get(name)}: keep them equal so setup installs from the same cache"
            )


def test_the_readme_gives_the_commands_this_test_runs():
    readme = (TEMPLATE / "README.md").read_text(encoding="utf-8")
    for command in ("make setup", "make test", "make train", "make serve", "make monitor",
                    "make pipeline", "make dashboard", "make rename NAME="):
        assert command in readme, f"README does not mention `{command}`"


# ----------------------------------------------------------------------------- the real run


def environment() -> dict[str, str]:
    """The caller's environment, minus what would leak the course's setup into the copy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLPROJECT_", "MLFLOW_"))}
    env.pop("VIRTUAL_ENV", None)
    # Let Python cache bytecode in the copy's venv: each later process imports faster.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["OMP_NUM_THREADS"] = "1"
    return env


def run(command: list[str], cwd: Path, timeout: float, **extra: str) -> str:
    """Run a documented command in the copy; fail with its output's tail if it fails."""
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=cwd, env={**environment(), **extra}, capture_output=True, text=True,
        timeout=timeout,
    )
    output = result.stdout + result.stderr
    took = time.monotonic() - started
    shown = " ".join(command)
    assert result.returncode == 0, f"`{shown}` failed after {took:.0f} s:\n{output[-5000:]}"
    print(f"{shown}: {took:.0f} s")
    return output


def processes_under(folder: Path) -> list[str]:
    """Command lines of running processes that mention the folder (servers left behind)."""
    listing = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True).stdout
    return [line for line in listing.splitlines() if str(folder) in line and "ps -eo" not in line]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the template outside the repository, set up by its own `make setup`."""
    folder = tmp_path_factory.mktemp("student") / "mlproject"
    assert settings.REPO_ROOT not in folder.parents
    shutil.copytree(TEMPLATE, folder, ignore=shutil.ignore_patterns(*GENERATED))
    run(["make", "setup", f"PYTHON={sys.executable}"], folder, timeout=900)
    return folder


@pytest.mark.slow
def test_its_own_test_suite_passes(project: Path):
    output = run(["make", "test"], project, timeout=1200)
    summary = output.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and "failed" not in summary and "error" not in summary
    assert not processes_under(project), "the template's tests left processes running"


@pytest.mark.slow
def test_the_documented_loop_runs_end_to_end(project: Path):
    # train -> register: the first good model becomes the champion
    output = run(["make", "train", "FAST=1"], project, timeout=600)
    assert "PROMOTED to champion" in output, output[-2000:]

    # serve -> predict over HTTP, with the champion's name and version in the answer
    port = servers.free_port()
    server = subprocess.Popen(
        ["make", "serve", f"PORT={port}"], cwd=project, env=environment(),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, server.stdout.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the API did not become ready within 180 s"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        url = f"http://127.0.0.1:{port}/v1/predict"
        answer = httpx.post(url, json=RECORD, timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json()["rentals"] > 0 and answer.json()["model_version"] == "1"
        assert answer.headers["X-Model-Version"] == "1"
        ready = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=30).json()
        assert ready == {"status": "ready", "model_name": "mlproject", "model_version": "1"}
        bad = httpx.post(url, json={**RECORD, "hr": 99}, timeout=30)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "hr"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=15)
    assert servers.port_is_free(port), f"the API still listens on {port} after being stopped"

    # monitor one window: an HTML report and a JSON summary with a decision
    run(["make", "monitor", "WINDOW=2012-06"], project, timeout=600)
    window = project / "reports" / "monitoring" / "2012-06"
    summary = json.loads((window / "summary.json").read_text())
    assert (window / "report.html").stat().st_size > 10_000
    assert summary["decision"]["retrain"], "2012's growth should trigger the MAE threshold"

    # the pipeline: run locally (a second version, gated against the champion), then compiled
    output = run(["make", "pipeline", "FAST=1"], project, timeout=900)
    assert "Pipeline finished: version 2" in output, output[-3000:]
    from kfp import components

    spec = components.load_component_from_file(str(project / "pipeline.yaml"))
    assert spec.name == "mlproject-training"

    assert not processes_under(project), "processes of the project are still running"
