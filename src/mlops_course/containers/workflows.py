"""CI workflows: a GitHub Actions file read, its jobs ordered, and its structure checked."""

from __future__ import annotations

import re
import shlex
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from mlops_course.cards import schema_problems
from mlops_course.containers.source import ContainerError, read_text

WORKFLOW_SCHEMA = "ci_workflow.json"
PYTHON_LINTERS = ("ruff", "flake8", "pylint")
CACHE_VALUES = {"pip", "pipenv", "poetry"}
FLOATING_REFS = {"main", "master", "head", "latest", "dev", "develop"}


def load_workflow(source: str | Path) -> dict[str, Any]:
    """A workflow file as a dict, with YAML 1.1's `on:` -> True quirk undone."""
    text = read_text(source)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ContainerError(f"The workflow is not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ContainerError("A workflow must be a mapping with `on:` and `jobs:` at the top.")
    if True in data and "on" not in data:  # PyYAML reads the bare key `on` as the boolean True
        data["on"] = data.pop(True)
    return data


def job_order(workflow: dict[str, Any]) -> list[str]:
    """Job ids in an order that respects `needs` (ties broken by name); raises on a cycle."""
    jobs = workflow.get("jobs") or {}
    needs = {name: set(_needs(job)) for name, job in jobs.items()}
    order: list[str] = []
    ready = sorted(n for n, deps in needs.items() if not deps)
    while ready:
        name = ready.pop(0)
        order.append(name)
        for other, deps in needs.items():
            if name in deps:
                deps.discard(name)
                if not deps and other not in order and other not in ready:
                    ready.append(other)
                    ready.sort()
    if len(order) != len(jobs):
        raise ContainerError(
            "The jobs' `needs` form a cycle: " + ", ".join(sorted(set(jobs) - set(order)))
        )
    return order


def _needs(job: Any) -> list[str]:
    if not isinstance(job, dict):
        return []
    value = job.get("needs", [])
    return [value] if isinstance(value, str) else list(value or [])


def upstream(workflow: dict[str, Any], job: str) -> set[str]:
    """Every job that must finish before `job` starts (its `needs`, transitively)."""
    jobs = workflow.get("jobs") or {}
    found: set[str] = set()
    stack = list(_needs(jobs.get(job)))
    while stack:
        name = stack.pop()
        if name not in found:
            found.add(name)
            stack += _needs(jobs.get(name))
    return found


def _steps(job: Any) -> list[dict[str, Any]]:
    steps = job.get("steps", []) if isinstance(job, dict) else []
    return [s for s in steps if isinstance(s, dict)]


def _runs(job: Any) -> str:
    return "\n".join(str(s.get("run", "")) for s in _steps(job))


def _uses(job: Any) -> list[str]:
    return [str(s["uses"]) for s in _steps(job) if "uses" in s]


def _caches(job: Any) -> bool:
    for step in _steps(job):
        uses = str(step.get("uses", ""))
        options = step.get("with") or {}
        cache = str(options.get("cache", ""))
        if uses.startswith("actions/setup-python") and cache in CACHE_VALUES:
            return True
        if uses.startswith("actions/cache"):
            return True
        uv_cache = str(options.get("enable-cache", "")).lower()
        if uses.startswith("astral-sh/setup-uv") and uv_cache in {"true", "auto"}:
            return True
    return False


def _commands(job: Any) -> list[list[str]]:
    """Every command the job's `run` steps execute, split into words (`a && b` is two)."""
    commands = []
    for step in _steps(job):
        text = str(step.get("run", "")).replace("\\\n", " ")
        for line in text.splitlines():
            for part in re.split(r"&&|\|\||;|\|", line):
                try:
                    words = shlex.split(part)
                except ValueError:
                    words = part.split()
                if words:
                    commands.append(words)
    return commands


def _invokes(job: Any, tool: str, subcommand: str | None = None) -> bool:
    """True when a step runs `tool` (directly, via `python -m`, `uv run`, `uvx`) or uses an action
    named after it (e.g. `hadolint/hadolint-action`, `docker/build-push-action` for docker)."""
    for words in _commands(job):
        while words and (words[0] in {"uvx", "sudo", "time"} or words[:2] in (["uv", "run"],
                         ["pipx", "run"], ["python", "-m"], ["python3", "-m"])):
            words = words[2:] if words[0] in {"uv", "pipx", "python", "python3"} else words[1:]
        named = bool(words) and PurePosixPath(words[0]).name == tool
        if named and (subcommand is None or subcommand in words[1:2]):
            return True
    actions = {"docker": "docker/build-push-action", "hadolint": "hadolint/hadolint-action"}
    action = actions.get(tool, f"/{tool}")
    return any(action in uses for uses in _uses(job))


def workflow_problems(
    source: str | Path, *, lint: str = "lint", test: str = "test", build: str = "build"
) -> list[str]:
    """Every way a CI workflow misses the course's structure; `[]` when it passes.

    Checks: valid YAML following the workflow schema; runs on push and pull requests; jobs
    `lint`, `test` and `build` exist, with `test` after `lint` and `build` after `test`; every
    job checks the code out (each job starts on a fresh machine); lint runs a Python linter and
    hadolint; test runs pytest; build builds the image; jobs that install Python packages cache
    them; every action is pinned to a version. Pass other job ids when a workflow names its
    jobs differently (e.g. `build="images"`).
    """
    try:
        workflow = load_workflow(source)
    except ContainerError as err:
        return [str(err)]
    problems = schema_problems(workflow, WORKFLOW_SCHEMA) or _shape_problems(
        workflow, (lint, test, build)
    )
    if problems:
        return problems
    try:
        job_order(workflow)
    except ContainerError as err:
        return [str(err)]
    problems += _order_problems(workflow, lint, test, build)
    for name, job in workflow["jobs"].items():
        problems += _job_problems(name, job)
    problems += _tool_problems(workflow["jobs"], lint, test, build)
    return problems


def _shape_problems(workflow: dict[str, Any], required: tuple[str, ...]) -> list[str]:
    """The triggers, the required jobs, and `needs` that name no job."""
    problems = []
    triggers = workflow["on"]
    names = set(triggers) if isinstance(triggers, dict | list) else {triggers}
    for event in ("push", "pull_request"):
        if event not in names:
            problems.append(f"on: the workflow should also run on `{event}`.")
    jobs = workflow["jobs"]
    for name in required:
        if name not in jobs:
            problems.append(f"jobs: there is no `{name}` job.")
    for name, job in jobs.items():
        for dep in _needs(job):
            if dep not in jobs:
                problems.append(f"jobs/{name}/needs: `{dep}` is not a job of this workflow.")
    return problems


def _order_problems(workflow: dict[str, Any], lint: str, test: str, build: str) -> list[str]:
    """Test waits for lint, build waits for test."""
    problems = []
    if lint not in upstream(workflow, test):
        problems.append(f"jobs/{test}: should run after `{lint}` (add `needs: {lint}`).")
    if test not in upstream(workflow, build):
        problems.append(f"jobs/{build}: should run after `{test}` (add `needs: {test}`), so a "
                        "broken commit never produces an image.")
    return problems


def _job_problems(name: str, job: Any) -> list[str]:
    """What every job needs: a checkout, pinned actions, a cache when it installs packages."""
    problems = []
    if not any(u.startswith("actions/checkout") for u in _uses(job)):
        problems.append(f"jobs/{name}: no `actions/checkout` step; every job starts on a "
                        "fresh machine without the code.")
    for uses in _uses(job):
        action, _, ref = uses.partition("@")
        if uses.startswith("./") or uses.startswith("docker://"):
            continue
        if not ref or ref.lower() in FLOATING_REFS:
            problems.append(f"jobs/{name}: `{uses}` is not pinned to a version "
                            f"(write e.g. `{action}@v4`).")
    installs = re.search(r"\b(pip|uv pip|uv sync|poetry) ?install|\buv sync\b", _runs(job))
    if installs and not _caches(job):
        problems.append(f"jobs/{name}: installs Python packages without a cache; add "
                        "`cache: pip` to actions/setup-python (or an actions/cache step).")
    return problems


def _tool_problems(jobs: dict[str, Any], lint: str, test: str, build: str) -> list[str]:
    """Lint runs a Python linter and hadolint, test runs pytest, build builds the image."""
    problems = []
    lint_job, test_job, build_job = jobs[lint], jobs[test], jobs[build]
    if not any(_invokes(lint_job, tool) for tool in PYTHON_LINTERS):
        problems.append(f"jobs/{lint}: run a Python linter (ruff, flake8 or pylint).")
    if not _invokes(lint_job, "hadolint"):
        problems.append(f"jobs/{lint}: lint the Dockerfile with hadolint too.")
    if not _invokes(test_job, "pytest"):
        problems.append(f"jobs/{test}: run the tests with pytest.")
    if not (_invokes(build_job, "docker", "build") or _invokes(build_job, "docker", "buildx")):
        problems.append(f"jobs/{build}: build the image (`docker build ...` or "
                        "docker/build-push-action).")
    return problems
