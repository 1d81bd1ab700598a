"""Rename the package `mlproject` to a name of your own, everywhere, in one command.

    python scripts/rename.py mybikes          (or: make rename NAME=mybikes)

It moves src/mlproject to src/<name> and replaces the name in every text file of the project:
imports, pyproject.toml (distribution name, console script, extras), the Makefile, the
Dockerfiles, the CI workflow, docs and tests; `MLPROJECT_` environment variables become
`<NAME>_`. Run it once, on a fresh copy, then `make setup` again (the installed package name
changed). Only the standard library is used, so it works before any setup.
"""

from __future__ import annotations

import argparse
import keyword
import re
import sys
from pathlib import Path

OLD = "mlproject"
ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {
    ".git",
    ".venv",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "mlruns",
    "local_outputs",
    "reports",
    "artifacts",
    "node_modules",
}
TEXT_SUFFIXES = {
    ".py",
    ".toml",
    ".md",
    ".yml",
    ".yaml",
    ".cfg",
    ".txt",
    ".lock",
    ".sh",
    ".Dockerfile",
    ".json",
    ".ini",
}
TEXT_NAMES = {"Makefile", ".dockerignore", ".gitignore"}


class RenameError(ValueError):
    """The new name cannot be used; the message says why."""


def check_name(name: str) -> str:
    """A valid new package name, or `RenameError` saying what is wrong with it."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise RenameError(
            f"'{name}' is not a usable package name: use lowercase letters, digits and "
            "underscores, starting with a letter (e.g. 'mybikes' or 'bike_demand')."
        )
    if keyword.iskeyword(name) or name in sys.stdlib_module_names:
        raise RenameError(f"'{name}' is a Python keyword or standard-library module: pick another.")
    if name == OLD:
        raise RenameError(f"The package is already called '{OLD}'.")
    return name


def text_files(root: Path) -> list[Path]:
    """Every text file of the project that may mention the package name."""
    found = []
    for path in root.rglob("*"):
        if any(part in SKIP_DIRS for part in path.relative_to(root).parts):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES):
            found.append(path)
    return sorted(found)


def rename(new: str, root: Path = ROOT) -> list[Path]:
    """Rename the package under `root`; return the files that changed."""
    new = check_name(new)
    package = root / "src" / OLD
    if not package.is_dir():
        raise RenameError(f"{package} not found: was the package renamed already?")
    if (root / "src" / new).exists():
        raise RenameError(f"src/{new} already exists.")
    changed = []
    for path in text_files(root):
        text = path.read_text(encoding="utf-8")
        updated = text.replace(OLD.upper() + "_", new.upper() + "_").replace(OLD, new)
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            changed.append(path)
    package.rename(root / "src" / new)
    for stale in root.glob("src/*.egg-info"):  # metadata of the old name; setup rebuilds it
        for file in sorted(stale.rglob("*"), reverse=True):
            file.unlink() if file.is_file() else file.rmdir()
        stale.rmdir()
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", help="the new package name, e.g. mybikes")
    args = parser.parse_args(argv)
    try:
        changed = rename(args.name)
    except RenameError as err:
        print(f"rename: {err}", file=sys.stderr)
        return 1
    print(f"Renamed {OLD} -> {args.name} in {len(changed)} files and moved src/{args.name}.")
    print("Next: make setup (reinstalls the package under its new name), then make test.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
