"""The pinned environment: the lock, Binder's copy of it, and the top-level dependency names.

`requirements.lock` (made by `uv pip compile`) is the one source of truth. Binder reads
`binder/requirements.txt`, which is generated from the lock by `mlops-course env binder` and
checked against it by a test, so the two cannot drift apart.

The lock holds the course's `llm` extra too (sprint 06's local models: CPU torch, the embedding
model, llama.cpp and its model file). Binder leaves those out: they would not fit its build,
and the course runs without them there. `heavy_packages()` finds every locked package that only
the extra needs, from the lock's own `# via` annotations, so nothing is listed twice.
"""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement

from mlops_course import settings

BINDER_HEADER = (
    "# Generated from requirements.lock by `mlops-course env binder`; do not edit by hand.\n"
    "# A test fails when this file and the lock drift apart.\n"
    "# Left out: the `llm` extra (sprint 06's local models; too large for Binder).\n"
)


HEAVY_EXTRA = "llm"
_PROJECT = "mlops-course (pyproject.toml)"


def _project() -> dict:
    return tomllib.loads((settings.REPO_ROOT / "pyproject.toml").read_text())["project"]


def _name(requirement: str) -> str:
    return Requirement(requirement).name.lower().replace("_", "-")


def _requirers(lock_text: str) -> dict[str, set[str]]:
    """Package -> the packages that require it (`# via` lines of a `uv pip compile` lock).

    The project itself appears as `<main>` for its dependencies and `<extra>` for those of the
    heavy extra.
    """
    project = _project()
    main = {_name(d) for d in project["dependencies"]}
    extra = {_name(d) for d in project.get("optional-dependencies", {}).get(HEAVY_EXTRA, [])}
    via: dict[str, set[str]] = {}
    current: str | None = None
    for raw in lock_text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("#"):
            current = _name(line.split(";")[0])
            via.setdefault(current, set())
            continue
        if current is None:
            continue
        text = line.lstrip("#").strip()
        if text.startswith("via"):
            text = text[3:].strip()
        if not text:
            continue
        if text == _PROJECT:
            via[current] |= ({"<main>"} if current in main else set()) | (
                {"<extra>"} if current in extra else set())
        elif not text.startswith("-"):
            via[current].add(text.split("[")[0].lower().replace("_", "-"))
    return via


def heavy_packages(lock_text: str | None = None) -> set[str]:
    """Locked packages needed only by the `llm` extra (torch, llama.cpp, the models, ...).

    The largest set in which every package is required only by the extra or by other members
    of the set (a greatest fixed point, so packages that require each other are handled).
    """
    text = settings.LOCK_FILE.read_text() if lock_text is None else lock_text
    via = _requirers(text)
    for package, parents in via.items():  # a parent that is not locked requires nothing here
        via[package] = {p for p in parents if p in via or p.startswith("<")}
    heavy = set(via)
    changed = True
    while changed:
        changed = False
        for package in list(heavy):
            parents = via[package]
            if not parents or not parents <= heavy | {"<extra>"}:
                heavy.discard(package)
                changed = True
    return heavy


def lock_lines(lock_text: str | None = None) -> list[str]:
    """The requirement lines of the lock, without uv's comments."""
    text = settings.LOCK_FILE.read_text() if lock_text is None else lock_text
    return [
        line.strip() for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def binder_requirements(lock_text: str | None = None) -> str:
    """The content `binder/requirements.txt` must have: the lock without the heavy extra."""
    text = settings.LOCK_FILE.read_text() if lock_text is None else lock_text
    heavy = heavy_packages(text)
    lines = [line for line in lock_lines(text) if _name(line.split(";")[0]) not in heavy]
    return BINDER_HEADER + "\n".join(lines) + "\n"


def top_level_names() -> list[str]:
    """Names of the course's direct dependencies (what the version-drift canary upgrades)."""
    return [Requirement(dep).name for dep in _project()["dependencies"]]
