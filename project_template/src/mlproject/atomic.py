"""Atomic file writes: a reader sees the old file or the new one, never part of either.

A job that can be killed at any moment (a spot VM taken back, a pod evicted) must never leave
a half-written checkpoint or result behind. The bytes go to a temporary file in the target's
folder (a rename is atomic only within one file system), are flushed to disk, and the file is
renamed over the target with `os.replace`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, payload: bytes) -> Path:
    """Replace `path` with `payload` in one step; on any error the old file stays as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as sink:
            sink.write(payload)
            sink.flush()
            os.fsync(sink.fileno())  # on disk before the rename makes it visible
        os.chmod(temporary, 0o644)  # mkstemp makes it private (0600); results are for reading
        os.replace(temporary, path)
    except BaseException:  # KeyboardInterrupt too: never leave the temporary file behind
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
