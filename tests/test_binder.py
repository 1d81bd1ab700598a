"""Binder: repo2docker accepts the configuration and builds what we expect from it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_course import settings

BINDER = settings.REPO_ROOT / "binder"


def test_binder_pins_python_311():
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"


def test_postbuild_is_strict_and_valid_bash():
    script = (BINDER / "postBuild").read_text()
    assert "set -euo pipefail" in script
    assert "--no-deps -e ." in script  # the lock already installed every dependency
    subprocess.run(["bash", "-n", str(BINDER / "postBuild")], check=True)


def test_postbuild_disables_only_existing_instructor_plugins():
    """A typo in a plugin id would silently leave formgrader on; check the ids exist."""
    script = (BINDER / "postBuild").read_text()
    disabled = re.findall(r"labextension disable .*?(@jupyter/nbgrader:[\w-]+)", script)
    assert {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"} <= set(disabled)
    static = Path(sys.prefix) / "share/jupyter/labextensions/@jupyter/nbgrader/static"
    bundle = "".join(p.read_text(errors="ignore") for p in static.glob("*.js"))
    for plugin in disabled:
        assert f'"{plugin}"' in bundle, f"{plugin} is not a plugin of the installed nbgrader"
    assert "validate-assignment" not in script and "assignment-list" not in script


def test_a_local_student_lab_hides_what_binder_hides():
    """`./course lab` disables, per launch, the instructor tools that postBuild disables."""
    script = (BINDER / "postBuild").read_text()
    mode = BINDER / "student-mode"
    page = json.loads((mode / "labconfig" / "page_config.json").read_text())
    server_file = mode / "jupyter_server_config.d" / "instructor-tools-off.json"
    server = json.loads(server_file.read_text())
    lab_plugins = set(re.findall(r"labextension disable .*?(@jupyter/nbgrader:[\w-]+)", script))
    server_extensions = set(re.findall(r"server extension disable .*?(nbgrader\.[\w.]+)", script))
    assert {k for k, off in page["disabledExtensions"].items() if off} == lab_plugins
    jpserver = server["ServerApp"]["jpserver_extensions"]
    assert {k for k, on in jpserver.items() if not on} == server_extensions
    assert "binder/student-mode" in (settings.REPO_ROOT / "course").read_text()


@pytest.mark.slow
def test_repo2docker_accepts_the_config_and_installs_the_lock(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "repo2docker", "--no-build", "--debug", str(settings.REPO_ROOT)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    script = result.stdout + result.stderr
    assert "python=3.11" in script
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in script
    assert re.search(r"RUN .*binder/postBuild", script), "postBuild is not run by the build"
    assert "KERNEL_PYTHON_PREFIX=${NB_PYTHON_PREFIX}" in script  # one env for server and kernel
