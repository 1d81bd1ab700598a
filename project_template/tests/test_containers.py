"""Container tests: no Docker engine needed. hadolint lints the Dockerfiles; a policy check
parses them (dockerfile-parse) for the practices sprint 02 teaches."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILES = sorted((ROOT / "docker").glob("*.Dockerfile"))


def instructions(path: Path) -> list[tuple[str, str]]:
    return [(i["instruction"], i["value"]) for i in DockerfileParser(path=str(path)).structure]


def final_stage(path: Path) -> list[tuple[str, str]]:
    steps = instructions(path)
    last_from = max(i for i, (name, _) in enumerate(steps) if name == "FROM")
    return steps[last_from:]


def test_there_is_a_training_and_a_serving_image():
    assert [p.name for p in DOCKERFILES] == ["serve.Dockerfile", "train.Dockerfile"]


def test_hadolint_finds_nothing():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    result = subprocess.run(
        [hadolint, *map(str, DOCKERFILES)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_base_images_are_pinned_slim_releases(path: Path):
    for image in DockerfileParser(path=str(path)).parent_images:
        name, _, tag = image.partition(":")
        assert tag and tag != "latest", f"{image}: pin a version"
        assert "slim" in tag and tag[0].isdigit() and tag.count(".") >= 2, f"{image}: x.y.z-slim"


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_builds_are_multi_stage_and_the_runtime_copies_from_the_build(path: Path):
    steps = instructions(path)
    assert sum(name == "FROM" for name, _ in steps) >= 2
    assert any(name == "COPY" and "--from=build" in value for name, value in final_stage(path))


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_the_final_stage_runs_as_an_unprivileged_user(path: Path):
    users = [value for name, value in final_stage(path) if name == "USER"]
    assert users, "no USER in the final stage: the container would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_commands_use_exec_form_and_a_health_check_is_declared(path: Path):
    final = final_stage(path)
    (cmd,) = [value for name, value in final if name == "CMD"]
    assert isinstance(json.loads(cmd), list), 'exec form: CMD ["python", ...] gets signals'
    health = [value for name, value in final if name == "HEALTHCHECK"]
    assert health, "declare a HEALTHCHECK (or HEALTHCHECK NONE for a batch job, with a reason)"
    if path.name == "serve.Dockerfile":
        # liveness: a failed model load must not make the platform restart the container
        assert "/health" in health[0] and "/ready" not in health[0] and "CMD [" in health[0]


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_dependencies_come_from_a_pinned_lock_before_the_code(path: Path):
    copies = [value for name, value in instructions(path) if name == "COPY"]
    lock = next(i for i, v in enumerate(copies) if ".lock" in v)
    code = next(i for i, v in enumerate(copies) if v.startswith("src"))
    assert lock < code, "copy the lock and install it before copying the code (layer caching)"


def test_the_build_context_allows_only_what_the_images_copy():
    rules = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules[0] == "*", "start from 'deny everything'"
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    for path in DOCKERFILES:
        for name, value in instructions(path):
            if name == "COPY" and "--from=" not in value:
                sources = [s for s in value.split()[:-1] if not s.startswith("--")]
                for source in sources:
                    assert source.rstrip("/") in allowed, f"{source} is copied but ignored"
    for secret in (".env", "mlflow.db", ".venv", ".git", "mlruns"):
        assert secret not in allowed
