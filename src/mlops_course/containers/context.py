"""The build context: what `docker build` sends, after `.dockerignore` read the way Docker reads
it (which is *not* the way git reads `.gitignore`), and which of those files a COPY picks."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mlops_course.containers.source import ContainerError, read_text


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
    text = read_text(source) if isinstance(source, Path) or "\n" not in source else source
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
