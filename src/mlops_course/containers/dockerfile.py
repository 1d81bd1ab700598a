"""Parsing a Dockerfile into stages of instructions, with a real parser (dockerfile-parse)."""

from __future__ import annotations

import contextlib
import io
import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dockerfile_parse import DockerfileParser

from mlops_course.containers.source import ContainerError, read_text


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

    @property
    def sources(self) -> list[str]:
        """What a COPY or ADD copies: every argument but the last (the destination)."""
        return self.args[:-1] if len(self.args) >= 2 else []


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
    text = read_text(source)
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


def image_tag(base: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference like `python:3.11-slim@sha256:...`."""
    name, _, digest = base.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        repo, _, tag = name.rpartition(":")
        return repo, tag, digest or None
    return name, None, digest or None


def pip_installs(command: str) -> list[list[str]]:
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
