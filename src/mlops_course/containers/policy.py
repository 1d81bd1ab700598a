"""The course's Dockerfile policy: its rules, why each exists, and the check against them."""

from __future__ import annotations

import fnmatch
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mlops_course.containers.dockerfile import (
    Instruction,
    Stage,
    image_tag,
    parse_dockerfile,
    pip_installs,
)

SLIM_MARKERS = ("slim", "alpine", "distroless", "scratch", "minimal")
SECRET_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "ACCESS_KEY",
                "PRIVATE_KEY", "CREDENTIAL")
SECRET_FILES = (".env", "*.pem", "*.key", "id_rsa", "id_ed25519", "credentials*", "*.p12")
# Files that declare dependencies: copying these before `pip install` keeps the cache intact.
MANIFESTS = ("requirements*", "constraints*", "*.lock", "pyproject.toml", "setup.py",
             "setup.cfg", "Pipfile", "Pipfile.lock")


@dataclass(frozen=True)
class Rule:
    """One rule of the course's Dockerfile policy, and why it exists."""

    id: str
    title: str
    why: str


RULES = {
    rule.id: rule
    for rule in [
        Rule("pinned-base", "every base image has an explicit version tag or digest",
             "`latest` (or no tag) moves under you: the same Dockerfile builds a different "
             "image next month"),
        Rule("slim-base", "the final image starts from a slim base",
             "a full distribution image carries compilers and docs the service never uses: "
             "hundreds of MB to pull, store and scan"),
        Rule("multi-stage", "a build stage installs, the final stage copies the result",
             "build tools and caches stay in the build stage and never reach production"),
        Rule("non-root", "the final stage switches to a non-root USER",
             "a process that escapes the app should not be root in the container"),
        Rule("exec-form", "CMD and ENTRYPOINT use the JSON (exec) form",
             "shell form wraps the server in /bin/sh, which does not forward SIGTERM: the "
             "container is killed instead of stopping cleanly"),
        Rule("healthcheck", "the final stage declares a HEALTHCHECK",
             "the runtime can then tell a running container from a working one"),
        Rule("no-secrets", "no secret in ARG, ENV or a copied file",
             "every layer and build argument is readable by anyone who can pull the image"),
        Rule("deps-before-code", "dependencies are installed before the code is copied",
             "the slow install layer is then cached across code changes"),
    ]
}


@dataclass(frozen=True)
class PolicyProblem:
    """A broken rule, where, and what to do."""

    rule: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: [{self.rule}] {self.message}"


def policy_problems(source: str | Path) -> list[PolicyProblem]:
    """Every way the Dockerfile breaks the course's policy (see `RULES`); `[]` when it passes."""
    stages = parse_dockerfile(source)
    problems = [problem for check in _CHECKS for problem in check(stages)]
    return sorted(problems, key=lambda p: (p.line, p.rule))


# One check per rule, in the order of `RULES`: each takes every stage and yields its problems.

Problems = Iterator[PolicyProblem]


def _pinned_base(stages: list[Stage]) -> Problems:
    for stage in stages:
        if _is_stage_reference(stage.base, stages, stage.index) or stage.base == "scratch":
            continue
        _, tag, digest = image_tag(stage.base)
        if digest is None and (tag is None or tag == "latest"):
            yield PolicyProblem(
                "pinned-base", stage.line,
                f"`FROM {stage.base}` has no version: pin one, e.g. `python:3.11-slim-bookworm`.")


def _slim_base(stages: list[Stage]) -> Problems:
    final = stages[-1]
    root = _root_base(final, stages)
    if not any(marker in root.lower() for marker in SLIM_MARKERS):
        yield PolicyProblem(
            "slim-base", final.line,
            f"the final image starts from `{root}`; use a slim variant such as "
            "`python:3.11-slim-bookworm`.")


def _multi_stage(stages: list[Stage]) -> Problems:
    final = stages[-1]
    copies_from = [i for i in final.find("COPY") if "from" in i.flags]
    if len(stages) < 2 or not copies_from:
        yield PolicyProblem(
            "multi-stage", final.line,
            "use a build stage (`FROM ... AS build`) to install dependencies and copy only the "
            "result into the final stage with `COPY --from=build ...`.")


def _non_root(stages: list[Stage]) -> Problems:
    final = stages[-1]
    users = final.find("USER")
    if not users:
        yield PolicyProblem(
            "non-root", final.line, "the final stage never sets USER, so the app runs as root.")
        return
    who = users[-1].args[0] if users[-1].args else ""
    if who.split(":")[0] in {"root", "0"}:
        yield PolicyProblem(
            "non-root", users[-1].line, f"`USER {who}` is root; switch to an unprivileged user.")


def _exec_form(stages: list[Stage]) -> Problems:
    final = stages[-1]
    starts = final.find("CMD") + final.find("ENTRYPOINT")
    if not starts:
        yield PolicyProblem(
            "exec-form", final.line, "the final stage has no CMD or ENTRYPOINT: nothing starts.")
    for instruction in starts:
        if not instruction.exec_form:
            yield PolicyProblem(
                "exec-form", instruction.line,
                f"`{instruction.keyword} {instruction.value}` is shell form; write it as a JSON "
                'array, e.g. `CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]`.')


def _healthcheck(stages: list[Stage]) -> Problems:
    final = stages[-1]
    checks = final.find("HEALTHCHECK")
    if not checks or checks[-1].value.strip().upper() == "NONE":
        yield PolicyProblem(
            "healthcheck", final.line,
            "the final stage has no HEALTHCHECK; add one that calls the service's health route.")


def _no_secrets(stages: list[Stage]) -> Problems:
    for stage in stages:
        for instruction in stage.find("ARG") + stage.find("ENV"):
            for key in _declared_keys(instruction):
                if any(word in key.upper() for word in SECRET_WORDS):
                    yield PolicyProblem(
                        "no-secrets", instruction.line,
                        f"`{instruction.keyword} {key}` looks like a secret; pass secrets at run "
                        "time (environment of the container, a secret store) or with "
                        "`RUN --mount=type=secret` at build time.")
        for instruction in stage.find("COPY") + stage.find("ADD"):
            for src in instruction.sources:
                name = PurePosixPath(src).name
                if any(fnmatch.fnmatch(name, pattern) for pattern in SECRET_FILES):
                    yield PolicyProblem(
                        "no-secrets", instruction.line,
                        f"`{instruction.keyword}` copies `{src}`, a secrets file, into a layer.")


def _deps_before_code(stages: list[Stage]) -> Problems:
    for stage in stages:
        installs = [i for i in stage.find("RUN") if pip_installs(i.value)]
        if not installs:
            continue
        first_install = installs[0].line
        for instruction in stage.find("COPY") + stage.find("ADD"):
            if "from" in instruction.flags or instruction.line > first_install:
                continue
            sources = instruction.sources
            if not all(_is_manifest(src) for src in sources):
                yield PolicyProblem(
                    "deps-before-code", instruction.line,
                    f"`{instruction.keyword} {' '.join(sources)}` copies code before "
                    f"`pip install` (line {first_install}): every code change then re-runs the "
                    "install. Copy only the requirements file first, install, then copy code.")


_CHECKS: tuple[Callable[[list[Stage]], Problems], ...] = (
    _pinned_base, _slim_base, _multi_stage, _non_root, _exec_form, _healthcheck, _no_secrets,
    _deps_before_code,
)


def _is_stage_reference(base: str, stages: list[Stage], before: int) -> bool:
    return base.lower() in {s.name.lower() for s in stages[:before] if s.name}


def _root_base(stage: Stage, stages: list[Stage]) -> str:
    base = stage.base
    seen = 0
    while _is_stage_reference(base, stages, len(stages)) and seen < len(stages):
        parent = next(s for s in stages if s.name and s.name.lower() == base.lower())
        base, seen = parent.base, seen + 1
    return base


def _declared_keys(instruction: Instruction) -> list[str]:
    value = instruction.value.strip()
    if instruction.keyword == "ARG":
        return [value.split("=", 1)[0].strip()]
    try:
        words = shlex.split(value)
    except ValueError:
        words = value.split()
    if len(words) >= 2 and "=" not in words[0]:
        return [words[0]]  # legacy `ENV KEY value`
    return [w.split("=", 1)[0] for w in words if "=" in w]


def _is_manifest(source: str) -> bool:
    name = PurePosixPath(source).name
    return any(fnmatch.fnmatch(name, pattern) for pattern in MANIFESTS)
