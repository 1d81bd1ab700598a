#!/usr/bin/env bash
# Create the project's virtual environment and install the pinned dependencies plus this
# package (editable, with the dev extras). `make setup` runs this script.
#
#   PYTHON  interpreter to build the venv from (default: the first Python 3.11+ on PATH)
#   UV      the uv binary (default: `uv` on PATH); without uv, falls back to venv + pip
#   VENV    where to create the environment (default: .venv)
#
# With uv, the install is tried offline first: if uv's cache already holds these exact
# versions (a second setup, or a machine that set up the course), nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
UV="${UV:-$(command -v uv || true)}"

say() { printf '%s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

find_python() {
  local candidate
  for candidate in ${PYTHON:-} python3.11 python3.12 python3.13 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

BASE="$(find_python)" || die "no Python 3.11+ found. Install one, or point PYTHON at it:
  make setup PYTHON=/path/to/python3.11"

if [ ! -x "$VENV/bin/python" ]; then
  say "Creating $VENV with $BASE ($("$BASE" --version 2>&1))"
  if [ -n "$UV" ]; then
    "$UV" venv --quiet --python "$BASE" "$VENV" || die "uv could not create $VENV"
  else
    "$BASE" -m venv "$VENV" || die "could not create $VENV (Debian/Ubuntu: apt install python3-venv)"
  fi
fi

PY="$VENV/bin/python"
REQUIREMENTS=(-r requirements.lock -e ".[dev]")
if [ -n "$UV" ]; then
  say "Installing the pinned environment with uv"
  if ! "$UV" pip install --quiet --offline --python "$PY" "${REQUIREMENTS[@]}" 2>/dev/null; then
    say "Not everything is in uv's cache yet: downloading what is missing"
    "$UV" pip install --quiet --python "$PY" "${REQUIREMENTS[@]}" ||
      die "uv could not install the requirements (see above); check the network or proxy"
  fi
else
  say "uv not found: installing with pip (slower; 'pip install uv' speeds up the next setup)"
  "$PY" -m pip install --quiet --disable-pip-version-check "${REQUIREMENTS[@]}" ||
    die "pip could not install the requirements (see above)"
fi

"$PY" -c 'import mlproject, sklearn, mlflow, fastapi' ||
  die "the environment is incomplete: imports failed (see above)"
say "Ready: $("$PY" --version) in $VENV. Next: make test, or make train."
