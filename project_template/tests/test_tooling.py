"""Tooling tests: the Makefile, the CI workflow, the locks, .gitignore and the rename script."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import rename  # noqa: E402  (a script, not part of the package)


def test_the_makefile_has_a_target_for_every_stage():
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.MULTILINE))
    required = {"setup", "train", "serve", "pipeline", "monitor", "dashboard", "test", "lint"}
    assert required <= targets, required - targets


def test_ci_lints_tests_and_then_builds_both_images():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    jobs = workflow["jobs"]
    commands = {
        name: " ".join(s.get("run", "") for s in job["steps"]) for name, job in jobs.items()
    }
    assert "make lint" in commands["lint"] and "make test" in commands["test"]
    assert set(jobs["images"]["needs"]) == {"lint", "test"}
    assert jobs["images"]["strategy"]["matrix"]["image"] == ["train", "serve"]
    build = next(s for s in jobs["images"]["steps"] if "build-push-action" in s.get("uses", ""))
    assert build["with"]["file"] == "docker/${{ matrix.image }}.Dockerfile"


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if match:
            found.setdefault(match[1].lower().replace("_", "-"), match[2])
    return found


def test_every_direct_dependency_is_pinned_and_locked_at_the_same_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = project["dependencies"] + [
        dep for extra in project["optional-dependencies"].values() for dep in extra
    ]
    locked = pins(ROOT / "requirements.lock")
    for requirement in direct:
        if requirement.startswith(project["name"] + "["):
            continue
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)(;.*)?$", requirement)
        assert match, f"{requirement}: pin it with =="
        if not match[3]:  # markers (numpy per Python version) resolve per platform
            assert locked[match[1].lower()] == match[2], requirement


def test_image_locks_agree_with_the_development_lock():
    locked = pins(ROOT / "requirements.lock")
    for lock in (ROOT / "docker").glob("requirements-*.lock"):
        for name, version in pins(lock).items():
            assert locked.get(name) == version, f"{lock.name}: {name}=={version}"


def test_generated_state_stays_out_of_git():
    ignored = (ROOT / ".gitignore").read_text().split()
    for entry in ("mlflow.db", "mlruns/", "reports/", "local_outputs/", "pipeline.yaml", ".venv/"):
        assert entry in ignored


@pytest.mark.parametrize("bad", ["My-Bikes", "2bikes", "class", "json", "mlproject", ""])
def test_rename_refuses_names_that_would_break_imports(bad: str):
    with pytest.raises(rename.RenameError):
        rename.check_name(bad)


def test_rename_replaces_the_package_name_everywhere(tmp_path: Path):
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(*rename.SKIP_DIRS, "*.egg-info", "mlflow.db")
    )
    result = subprocess.run(
        [sys.executable, "scripts/rename.py", "mybikes"], cwd=copy, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (copy / "src" / "mybikes" / "api.py").is_file() and not (
        copy / "src" / "mlproject"
    ).exists()
    leftovers = [str(p) for p in rename.text_files(copy) if "mlproject" in p.read_text().lower()]
    assert not leftovers, leftovers
    assert 'name = "mybikes"' in (copy / "pyproject.toml").read_text()
    assert "MYBIKES_API_KEY" in (copy / "src" / "mybikes" / "settings.py").read_text() or (
        'ENV_PREFIX = "MYBIKES_"' in (copy / "src" / "mybikes" / "settings.py").read_text()
    )
    check = subprocess.run(
        [sys.executable, "-c", "import mybikes.settings as s; print(s.get_settings().model_name)"],
        cwd=copy,
        env={"PYTHONPATH": str(copy / "src"), "PATH": ""},
        capture_output=True,
        text=True,
    )
    assert check.stdout.strip() == "mybikes", check.stderr
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout
