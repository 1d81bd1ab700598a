"""Data versioning with git and DVC, driven from Python so that a notebook shows every command.

    repo = settings.workspace("data-repo")
    run("git", "init", cwd=repo)
    run("dvc", "init", cwd=repo)
    run("dvc", "add", "data/hour.csv", cwd=repo)

`run` prints each command the way you would type it, then its output, and raises
`VersioningError` (with that output) when the command fails. DVC runs with its usage analytics
off and keeps its internal index under the workspace instead of the system's temporary folder.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from mlops_course import settings

# Who the demo repositories' commits are by (git refuses to commit without a name).
AUTHOR = {"GIT_AUTHOR_NAME": "MLOps course", "GIT_AUTHOR_EMAIL": "student@example.invalid",
          "GIT_COMMITTER_NAME": "MLOps course", "GIT_COMMITTER_EMAIL": "student@example.invalid"}


# DVC draws a progress spinner on the terminal even with --quiet: escape codes and braille dots.
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_SPINNER = re.compile(r"^[\u2800-\u28ff]")


class VersioningError(RuntimeError):
    """A git or DVC command failed; the message holds the command and its output."""


def executable(name: str) -> str:
    """A tool installed next to this Python (as `dvc` is), else the one on PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found:
        return found
    raise VersioningError(
        f"`{name}` is not installed. git comes from your system's package manager; dvc comes "
        "with the course's environment (`./course setup`)."
    )


def environment() -> dict[str, str]:
    """The environment git and DVC run with: no analytics, no prompts, a known author.

    The demo repositories ignore your own git settings (`GIT_CONFIG_GLOBAL`, `GIT_CONFIG_NOSYSTEM`):
    commit signing, hooks or templates configured for your real work would otherwise apply here.
    """
    return {
        **os.environ,
        **AUTHOR,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "DVC_NO_ANALYTICS": "1",
        "DVC_SITE_CACHE_DIR": os.environ.get(
            "DVC_SITE_CACHE_DIR", str(settings.workspace("dvc-site-cache"))
        ),
        "GIT_TERMINAL_PROMPT": "0",
    }


def run(*command: str, cwd: str | Path, echo: bool = True, timeout: float = 120) -> str:
    """Run a git or DVC command in `cwd`, print it and its output, and return the output."""
    if not command:
        raise VersioningError("No command given.")
    shown = "$ " + " ".join(shlex.quote(part) for part in command)
    argv = [executable(command[0]), *command[1:]]
    result = subprocess.run(
        argv, cwd=cwd, env=environment(), capture_output=True, text=True, timeout=timeout,
        check=False,
    )
    output = _clean(result.stdout + result.stderr)
    if result.returncode != 0:
        raise VersioningError(f"{shown} failed with exit code {result.returncode}:\n{output}")
    if echo:
        print(shown + (f"\n{output}" if output else ""))
    return output


def _clean(output: str) -> str:
    lines = (_ESCAPES.sub("", line).rstrip() for line in output.splitlines())
    return "\n".join(line for line in lines if line and not _SPINNER.match(line))


def fresh_folder(folder: str | Path) -> Path:
    """Empty `folder` (it must be inside the workspace) so that a demo starts from nothing."""
    path = Path(folder).resolve()
    if not path.is_relative_to(settings.WORKSPACE.resolve()):
        raise VersioningError(
            f"{path} is outside the workspace ({settings.WORKSPACE}); the course only empties "
            "folders it owns."
        )
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def dvc_md5(dvc_file: str | Path) -> str:
    """The MD5 DVC recorded for the (single) output of a `.dvc` file: the data's version id."""
    meta = yaml.safe_load(Path(dvc_file).read_text(encoding="utf-8"))
    try:
        return str(meta["outs"][0]["md5"])
    except (KeyError, IndexError, TypeError) as err:
        raise VersioningError(f"{dvc_file} has no recorded output; run `dvc add` first.") from err


def git_head(repo: str | Path) -> str:
    """The commit the repository is at (full SHA)."""
    return run("git", "rev-parse", "HEAD", cwd=repo, echo=False)
