"""What each layer of an image costs, estimated without building it, and which layers a change
to some files rebuilds."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from mlops_course.containers.context import context_files, copied_files
from mlops_course.containers.dockerfile import (
    Instruction,
    Stage,
    image_tag,
    parse_dockerfile,
    pip_installs,
)
from mlops_course.containers.source import ContainerError

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
ALREADY_IN_PYTHON_IMAGES = {"pip", "setuptools", "wheel"}


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
        total += _distribution_bytes(dist)
        for raw in dist.requires or []:
            dep = Requirement(raw)
            if dep.marker is None or dep.marker.evaluate({"extra": ""}):
                queue.append(dep)
    return total, missing


def _distribution_bytes(dist: metadata.Distribution) -> int:
    """The size of an installed distribution's files, from its RECORD or from the disk."""
    total = 0
    for file in dist.files or []:
        if file.size is not None:
            total += file.size
        else:
            located = Path(str(dist.locate_file(file)))
            if located.is_file():
                total += located.stat().st_size
    return total


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


def _default_context(dockerfile: str | Path, context: str | Path | None) -> Path:
    """The build context: `context` when given, else the Dockerfile's folder."""
    if context is None:
        if isinstance(dockerfile, str) and "\n" in dockerfile:
            raise ContainerError("Pass `context=` when the Dockerfile is given as text.")
        context = Path(dockerfile).parent
    return Path(context)


def _shown(instruction: Instruction) -> str:
    """An instruction as a layer table shows it, cut to 70 characters."""
    text = f"{instruction.keyword} {instruction.value}"
    return text if len(text) <= 70 else text[:67] + "..."


Estimate = tuple[str, int | None, str]  # kind, bytes (None: not estimated), note


@dataclass
class _Estimator:
    """Walks the stages in build order, remembering what each stage holds and installed."""

    root: Path
    files: dict[str, int]
    totals: dict[str, int] = field(default_factory=dict)  # stage key -> bytes it holds
    deps: dict[str, int] = field(default_factory=dict)  # stage key -> bytes pip installed

    def stage(self, stage: Stage) -> list[Layer]:
        layers: list[Layer] = []
        added = deps = 0
        installed: set[str] = set()  # what earlier pip installs of this stage brought
        for instruction in stage.instructions:
            kind, size, note = self.instruction(instruction, stage, installed)
            if instruction.keyword == "RUN" and kind == "dependencies":
                deps += size or 0
            added += size or 0
            layers.append(Layer(stage.index, instruction.line, _shown(instruction), kind, size,
                                note))
        key = stage.name.lower() if stage.name else str(stage.index)
        self.totals[key] = added
        self.deps[key] = deps
        self.deps[str(stage.index)] = deps
        return layers

    def instruction(self, instruction: Instruction, stage: Stage, installed: set[str]) -> Estimate:
        if instruction.keyword == "FROM":
            return self.base(stage)
        if instruction.keyword in {"COPY", "ADD"}:
            return self.copy(instruction)
        if instruction.keyword == "RUN":
            return self.run(instruction, installed)
        return "metadata", 0, ""

    def base(self, stage: Stage) -> Estimate:
        parent = stage.base.lower()
        if parent in self.totals:
            return "base", self.totals[parent], f"everything stage `{stage.base}` holds"
        size = _base_bytes(stage.base)
        note = "approximate, from the course's table" if size is not None else (
            "unknown base: run `docker image ls` where an engine exists"
        )
        return "base", size, note

    def copy(self, instruction: Instruction) -> Estimate:
        source_stage = instruction.flags.get("from")
        if source_stage is None:
            picked = copied_files(instruction.sources, self.files)
            return "copied files", sum(picked.values()), f"{len(picked)} file(s) from the context"
        size = self.deps.get(source_stage.lower())
        if size is None:
            return "dependencies", None, f"copies from `{source_stage}`: not estimated"
        return "dependencies", size, f"what stage `{source_stage}` installed"

    def run(self, instruction: Instruction, installed: set[str]) -> Estimate:
        installs = pip_installs(instruction.value)
        if not installs:
            return "other", None, "not estimated (needs an engine)"
        specs, unresolved = [], []
        for args in installs:
            found, missing = _pip_requirements(args, self.root)
            specs += found
            unresolved += missing
        size, not_here = installed_size(specs, installed)
        note = f"{len(specs)} requirement(s) and their dependencies"
        if unresolved or not_here:
            note += f"; not counted: {', '.join(unresolved + not_here)}"
        return "dependencies", size, note


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
    root = _default_context(dockerfile, context)
    estimator = _Estimator(root, context_files(root, dockerignore))
    stages = parse_dockerfile(dockerfile)
    layers = [layer for stage in stages for layer in estimator.stage(stage)]
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
    files = context_files(_default_context(dockerfile, context), dockerignore)
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
                    picked = copied_files(instruction.sources, files)
                    missed = bool(touched & set(picked))
            if missed:
                rebuilt.append(Layer(stage.index, instruction.line, _shown(instruction), "", None))
        if missed:
            dirty.add(stage.name.lower() if stage.name else str(stage.index))
            dirty.add(str(stage.index))
    return rebuilt
