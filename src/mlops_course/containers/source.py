"""What every container check starts from: a file given as a path or as its text, and the error
raised when it cannot be read or checked."""

from __future__ import annotations

from pathlib import Path


class ContainerError(RuntimeError):
    """A Dockerfile, a build context or a workflow cannot be read or checked."""


def read_text(source: str | Path) -> str:
    """The text of a file given as a path, or the text itself (a string with a newline)."""
    if isinstance(source, str) and "\n" in source:
        return source
    path = Path(source)
    if not path.is_file():
        raise ContainerError(f"{path} does not exist: write the file first.")
    return path.read_text(encoding="utf-8")
