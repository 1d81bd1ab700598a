"""The pinned environment, the doctor, and the two-command setup script."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_course import datasets, doctor, environment, settings
from mlops_course.cli import main

COURSE = settings.REPO_ROOT / "course"


def test_binder_requirements_match_the_lock():
    assert settings.BINDER_REQUIREMENTS.read_text() == environment.binder_requirements(), (
        "binder/requirements.txt has drifted from requirements.lock: run "
        "`mlops-course env binder` and commit the result"
    )


def test_binder_drift_is_detected(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "requirements.txt"
    stale.write_text(environment.binder_requirements().replace("pandas==", "pandas>="))
    monkeypatch.setattr(settings, "BINDER_REQUIREMENTS", stale)
    assert main(["env", "binder", "--check"]) == 1
    assert "out of date" in capsys.readouterr().out


def test_lock_pins_every_package_exactly():
    for line in environment.lock_lines():
        assert "==" in line, f"unpinned line in requirements.lock: {line}"


def test_lock_keeps_the_pins_the_course_depends_on():
    pins = dict(line.split(" ;")[0].split("==") for line in environment.lock_lines())
    assert pins["pandas"].startswith("2.")  # evidently 0.7 breaks on pandas 3
    assert pins["evidently"] == "0.7.23"
    assert pins["nbgrader"] == "0.9.6"
    assert pins["mlflow"].startswith("3.")


def test_top_level_names_come_from_pyproject():
    names = environment.top_level_names()
    assert {"mlflow", "nbgrader", "jupyterlab", "evidently"} <= set(names)


def test_doctor_passes_in_the_course_environment(capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "checks passed" in out and "FAIL" not in out


def test_doctor_reports_a_damaged_dataset_with_a_fix(tmp_path, monkeypatch):
    folder = tmp_path / "datasets"
    shutil.copytree(settings.DATASETS_DIR, folder)
    (folder / "penguins" / "penguins.csv").write_text("species\nnot a penguin\n")
    monkeypatch.setattr(settings, "DATASETS_DIR", folder)
    datasets._verified.clear()
    check = doctor.check_datasets()
    datasets._verified.clear()
    assert not check.ok
    assert "penguins.csv" in check.line() and "git checkout" in check.line()


def test_doctor_reports_drift_from_the_lock(tmp_path, monkeypatch):
    lock = tmp_path / "requirements.lock"
    lock.write_text("pandas==1.0.0\n")
    monkeypatch.setattr(settings, "LOCK_FILE", lock)
    check = doctor.check_lock()
    assert not check.ok
    assert "pandas" in check.detail and "./course setup" in check.fix


def test_doctor_turns_a_crashing_check_into_a_failure(monkeypatch):
    def broken() -> doctor.Check:
        raise OSError("disk on fire")

    monkeypatch.setattr(doctor, "CHECKS", [broken])
    [result] = doctor.run_checks()
    assert not result.ok and "disk on fire" in result.detail


def _fake_python(folder: Path, version: str) -> None:
    """A `python3` on PATH that reports an old version (the only Python the script can find)."""
    folder.mkdir()
    for tool in ("dirname", "cat", "rm", "id"):  # what the script needs besides Python
        (folder / tool).symlink_to(shutil.which(tool))
    script = folder / "python3"
    script.write_text(f"#!/bin/sh\n[ \"$1\" = --version ] && echo 'Python {version}'\nexit 1\n")
    script.chmod(0o755)


def test_setup_without_python_311_says_what_to_install(tmp_path):
    copy = tmp_path / "course-copy"
    copy.mkdir()
    shutil.copy(COURSE, copy / "course")
    _fake_python(tmp_path / "bin", "3.8.10")
    env = {"PATH": str(tmp_path / "bin"), "HOME": str(tmp_path)}
    result = subprocess.run(
        ["/bin/bash", str(copy / "course"), "setup"], capture_output=True, text=True, env=env,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Python 3.11 or newer was not found" in result.stderr
    assert "PYTHON=" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_second_setup_is_quick_and_installs_nothing():
    result = subprocess.run(
        ["bash", str(COURSE), "setup"], capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    again = subprocess.run(
        ["bash", str(COURSE), "setup"], capture_output=True, text=True, timeout=60,
    )
    assert again.returncode == 0
    assert "Environment up to date" in again.stdout


@pytest.mark.slow
def test_lab_on_an_occupied_port_says_how_to_free_it():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "CI": "true"}
        result = subprocess.run(
            ["bash", str(COURSE), "lab", "--port", str(port)], capture_output=True, text=True,
            timeout=120, env=env, stdin=subprocess.DEVNULL,
        )
    assert result.returncode == 1
    assert f"Port {port} is already in use" in result.stderr
    assert "jupyter server stop" in result.stderr


def test_the_course_package_runs_from_the_locked_interpreter():
    assert Path(sys.prefix).resolve() == (settings.REPO_ROOT / ".venv").resolve(), (
        f"tests run with {sys.executable}; use ./course test so they run in .venv"
    )
