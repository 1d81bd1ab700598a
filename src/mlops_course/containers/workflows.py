"""CI workflows: a GitHub Actions file read, its jobs ordered, and its structure checked."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
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
            while words and words[0].startswith("-"):  # the launcher's options: uv run --frozen
                words = words[1:]
        if tool == "hadolint" and words[:2] == ["docker", "run"]:  # hadolint's documented way
            words = ["hadolint"] * any("hadolint/hadolint" in word for word in words)
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


# --- running the jobs with stand-in tools -----------------------------------------------------
#
# A structure can look right and still never fail: `pytest -q || true`, `ruff check --exit-zero`,
# `continue-on-error: true`, a pipe into `tee` without pipefail. The only sure way to know is to
# run the steps. `run_problems` runs every `run:` step in bash, the way a GitHub runner does
# (same shell flags), with the checking tools replaced by stand-ins that pass, or fail on demand;
# every other command is a no-op. A job must pass when every tool passes, and fail when one of
# its tools fails.

CHECKS = {  # job role -> (what fails, the stand-ins that fail for it)
    "lint": [("a Python linter", ("ruff", "flake8", "pylint")),
             ("hadolint on the Dockerfile", ("hadolint",))],
    "test": [("pytest", ("pytest",))],
    "build": [("docker build", ("docker",))],
}
DEFAULT_SHELLS = {  # GitHub's command lines for `shell:` (docs: jobs.<id>.steps[*].shell)
    None: ["-e"],
    "bash": ["--noprofile", "--norc", "-eo", "pipefail"],
    "sh": ["-e"],
}
_STUBBED = ("python", "python3", "pip", "pip3", "uv", "uvx", "pipx", "ruff", "flake8", "pylint",
            "hadolint", "pytest", "docker", "sudo", "env")
_BASH_ENV = """\
command_not_found_handle() { return 0; }
cd() { builtin cd "$@" 2>/dev/null || true; }
"""
_STUB = '''\
import json, os, sys

def unwrap(name, args):
    """Look through launchers (python -m, uv run, uvx, pipx run, sudo, env) to the tool."""
    name = os.path.basename(name)
    while True:
        if name.startswith("python") and args[:1] == ["-m"] and len(args) > 1:
            name, args = args[1], args[2:]
        elif (name == "uv" and args[:1] == ["run"]) or (name == "pipx" and args[:1] == ["run"]):
            rest = [a for a in args[1:]]
            while rest and rest[0].startswith("-"):
                rest = rest[1:]
            name, args = (rest[0], rest[1:]) if rest else ("", [])
        elif name in ("uvx", "sudo", "env"):
            rest = [a for a in args if not a.startswith("-") and "=" not in a]
            name, args = (rest[0], args[args.index(rest[0]) + 1:]) if rest else ("", [])
        else:
            return os.path.basename(name), args

def lints(name, args):
    if "--exit-zero" in args or (name == "ruff" and "-e" in args):
        return False
    if name == "ruff":
        return "check" in args or ("format" in args and ("--check" in args or "--diff" in args))
    return True

def reads_dockerfile(args):
    files = [a for a in args if not a.startswith("-") and os.path.isfile(a)]
    if any("dockerfile" in os.path.basename(f).lower() for f in files):
        return True
    if not files and not sys.stdin.isatty():
        return "FROM" in sys.stdin.read().upper()
    return False

def masked_hadolint(args):
    joined = " ".join(args).replace("=", " ").split()
    return "--no-fail" in joined or any(
        joined[i] in ("-t", "--failure-threshold") and joined[i + 1:i + 2] == ["none"]
        for i in range(len(joined)))

def fails(name, args, failing):
    if name in ("ruff", "flake8", "pylint"):
        return name in failing and lints(name, args)
    if name == "hadolint":
        return name in failing and reads_dockerfile(args) and not masked_hadolint(args)
    if name == "pytest":
        return name in failing and not {"--co", "--collect-only", "--help", "--version"} & set(args)
    if name == "docker" and any("hadolint/hadolint" in a for a in args):
        return "hadolint" in failing and reads_dockerfile([]) and not masked_hadolint(args)
    if name == "docker":
        build = args[:1] == ["build"] or args[:2] == ["buildx", "build"]
        return build and "docker" in failing
    return False

name, args = unwrap(sys.argv[0], sys.argv[1:])
shown = "hadolint" if name == "docker" and any("hadolint/hadolint" in a for a in args) else name
with open(os.environ["STUB_LOG"], "a") as log:
    log.write(json.dumps({"tool": shown, "args": args, "cwd": os.getcwd()}) + "\\n")
sys.exit(1 if fails(name, args, os.environ.get("STUB_FAIL", "").split(",")) else 0)
'''
_DOCKER_BOOLEAN_FLAGS = {"--push", "--load", "--no-cache", "--pull", "-q", "--quiet", "--rm",
                         "--force-rm", "--squash", "--compress"}


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"true", "${{ true }}", "1", "yes"}


def _skipped(item: dict[str, Any]) -> bool:
    """A job or step whose `if:` skips it on a push, or runs it only after a failure."""
    condition = str(item.get("if", "")).replace(" ", "").lower()
    after_failure = "failure()" in condition or "cancelled()" in condition
    return condition in {"false", "${{false}}"} or after_failure


def _shell_flags(
    workflow: dict[str, Any], job: dict[str, Any], step: dict[str, Any]
) -> list[str] | None:
    """bash's flags for a step, as the runner would call it; None for shells not simulated."""
    shell = step.get("shell")
    for scope in (job, workflow):
        shell = shell or ((scope.get("defaults") or {}).get("run") or {}).get("shell")
    if shell in DEFAULT_SHELLS:
        return DEFAULT_SHELLS[shell]
    words = str(shell).split()
    if words and PurePosixPath(words[0]).name in {"bash", "sh"} and words[-1] == "{0}":
        return words[1:-1]
    return None  # python, pwsh...: not run here


def _expand(text: str, root: Path) -> str:
    """`${{ ... }}` expressions replaced by plausible values (the workspace is the root)."""
    def value(match: re.Match[str]) -> str:
        return str(root) if "github.workspace" in match.group(1) else "x"

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


@dataclass
class _Runner:
    """Runs a workflow's jobs in a copy of the repository, with stand-ins for the tools."""

    workflow: dict[str, Any]
    root: Path
    bin: Path
    log: Path

    def job_fails(self, name: str, failing: tuple[str, ...]) -> str | None:
        """The step that fails the job, as text, or None when the job passes."""
        job = self.workflow["jobs"][name]
        if _truthy(job.get("continue-on-error")) or _skipped(job):
            return None
        for number, step in enumerate(_steps(job), 1):
            if _skipped(step) or self.step_passes(job, step, failing):
                continue
            if not _truthy(step.get("continue-on-error")):
                return f"step {number}: {str(step.get('run') or step.get('uses')).strip()[:60]}"
        return None

    def step_passes(
        self, job: dict[str, Any], step: dict[str, Any], failing: tuple[str, ...]
    ) -> bool:
        if "uses" in step:
            return _action_passes(str(step["uses"]), step.get("with") or {}, failing, self)
        flags = _shell_flags(self.workflow, job, step)
        if flags is None or not str(step.get("run", "")).strip():
            return True
        script = self.bin.parent / "step.sh"
        script.write_text(_expand(str(step["run"]), self.root), encoding="utf-8")
        env = {"PATH": str(self.bin), "BASH_ENV": str(self.bin.parent / "env.sh"),
               "HOME": str(self.root), "STUB_FAIL": ",".join(failing), "STUB_LOG": str(self.log),
               "CI": "true"}
        done = subprocess.run(
            ["/bin/bash", *flags, str(script)], cwd=self.root, env=env,
            stdin=subprocess.DEVNULL, capture_output=True, timeout=30, check=False,
        )
        return done.returncode == 0

    def record(self, tool: str, args: list[str]) -> None:
        """Note that an action ran `tool`, as the stand-ins note their own calls."""
        with self.log.open("a", encoding="utf-8") as log:
            log.write(json.dumps({"tool": tool, "args": args, "cwd": str(self.root)}) + "\n")

    def calls(self) -> list[dict[str, Any]]:
        lines = self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []
        return [json.loads(line) for line in lines]


def _action_passes(
    uses: str, options: dict[str, Any], failing: tuple[str, ...], runner: _Runner
) -> bool:
    """What the official actions that run a check do when their tool fails."""
    action = uses.split("@")[0].lower()
    if action.endswith("/ruff-action") or action == "hadolint/hadolint-action":
        runner.record("ruff" if action.endswith("/ruff-action") else "hadolint", [])
    if action.endswith("/ruff-action") and "ruff" in failing:
        return "--exit-zero" in str(options.get("args", ""))
    if action == "hadolint/hadolint-action" and "hadolint" in failing:
        target = runner.root / str(options.get("dockerfile", "Dockerfile"))
        masked = _truthy(options.get("no-fail")) or str(options.get("failure-threshold")) == "none"
        return masked or not (target.is_file() and "dockerfile" in target.name.lower())
    if action.startswith("docker/build-push-action"):
        runner.record("docker", ["build", _expand(str(options.get("context", ".")), runner.root)])
        return "docker" not in failing
    return True


def _build_context(args: list[str]) -> str | None:
    """The context argument of `docker build` / `docker buildx build`."""
    words = args[2:] if args[:1] == ["buildx"] else args[1:]
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = "=" not in word and word not in _DOCKER_BOOLEAN_FLAGS
        else:
            return word
    return None


def run_problems(
    source: str | Path, workdir: str | Path, *, lint: str = "lint", test: str = "test",
    build: str = "build",
) -> list[str]:
    """Run the workflow's jobs on a copy of `workdir` (the repository) with stand-in tools, and
    say where they do not behave: a job that fails when every tool passes, a check that still
    passes when its tool fails (`|| true`, `--exit-zero`, `continue-on-error`, a pipe without
    pipefail...), a build of another folder than the repository. `[]` when all is well.

    Every `run:` step runs for real in bash with the runner's flags; ruff, flake8, pylint,
    hadolint, pytest and docker are stand-ins that pass, or fail on demand (honouring the options
    that silence them); other commands do nothing. The official ruff, hadolint and
    build-push actions are judged by their inputs. Call `workflow_problems` first: this checks
    behaviour, not structure.
    """
    workflow = load_workflow(source)
    roles = {lint: "lint", test: "test", build: "build"}
    with tempfile.TemporaryDirectory(prefix="ci-run-") as tmp:
        base = Path(tmp)
        root = base / "repo"
        shutil.copytree(workdir, root, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        runner = _Runner(workflow, root, base / "bin", base / "calls.jsonl")
        _write_stubs(runner.bin)
        problems = []
        for name, role in roles.items():
            if name not in workflow.get("jobs", {}):
                continue
            problems += _job_behaviour(runner, name, role)
        return problems


def _write_stubs(folder: Path) -> None:
    folder.mkdir()
    (folder.parent / "env.sh").write_text(_BASH_ENV, encoding="utf-8")
    stub = folder / "_stub.py"
    stub.write_text(f"#!{sys.executable}\n{_STUB}", encoding="utf-8")
    stub.chmod(0o755)
    for name in _STUBBED:
        (folder / name).symlink_to(stub)


def _job_behaviour(runner: _Runner, name: str, role: str) -> list[str]:
    """A job passes when every tool passes and fails when each of its tools fails."""
    runner.log.unlink(missing_ok=True)
    broken = runner.job_fails(name, ())
    if broken:
        return [f"jobs/{name}: fails even when every tool passes ({broken}); a CI run that is "
                "always red is ignored."]
    calls = runner.calls()
    problems = []
    for what, tools in CHECKS[role]:
        if not any(call["tool"] in tools for call in calls):
            problems.append(f"jobs/{name}: never runs {what}.")
        elif runner.job_fails(name, tools) is None:
            problems.append(
                f"jobs/{name}: still passes when {what} fails: a check that cannot fail checks "
                "nothing (look for `|| true`, `--exit-zero`, `--no-fail`, `continue-on-error`, "
                "or a pipe into another command).")
    if role == "build":
        contexts = [_build_context(c["args"]) for c in calls if c["tool"] == "docker"]
        built = [Path(c["cwd"], ctx).resolve() for c, ctx in zip(
            [c for c in calls if c["tool"] == "docker"], contexts, strict=True) if ctx]
        if built and runner.root.resolve() not in built:
            problems.append(f"jobs/{name}: `docker build` builds {built[0].name!r}, not the "
                            "repository's folder; pass `.` as the build context.")
    return problems
