"""Bundled datasets: verified on first load, loaded with types, split along time.

Each dataset lives in `datasets/<name>/` with a `datacard.md` whose YAML header lists every
file's SHA-256. A file that does not match is never loaded: the error names the file and both
hashes, so a student knows the copy is damaged rather than their code being wrong.

The bike data's periods (the 2011 reference, the months of 2012) are the system's, so they come
from `mlproject.data`; this module adds the course's other datasets and other window sizes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from mlproject import data as system
from mlproject.data import Window, sha256

from mlops_course import settings

BIKE_SHARING = "bike_sharing"
PENGUINS = "penguins"

REFERENCE_START = system.REFERENCE_START
REFERENCE_END = system.REFERENCE_END  # exclusive: the reference period is all of 2011
PRODUCTION_END = system.DATA_END


class DatasetError(RuntimeError):
    """A bundled dataset is missing, unreadable or damaged."""


class ChecksumError(DatasetError):
    """A dataset file's SHA-256 differs from the one in its data card."""

    def __init__(self, path: Path, expected: str, actual: str) -> None:
        self.path, self.expected, self.actual = path, expected, actual
        super().__init__(
            f"{path} is damaged or was edited: its SHA-256 is {actual}, but the data card "
            f"expects {expected}. Restore it with `git checkout -- {settings.display_path(path)}` "
            "(or re-clone the course) and load it again."
        )


@dataclass(frozen=True)
class DataCard:
    """The machine-readable header of a dataset's `datacard.md`."""

    name: str
    folder: Path
    files: dict[str, str]
    schema: dict[str, dict[str, Any]]
    licence: str
    target: str | None = None
    time_column: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def available() -> list[str]:
    """Names of the bundled datasets."""
    return sorted(p.parent.name for p in settings.DATASETS_DIR.glob("*/datacard.md"))


def card(name: str) -> DataCard:
    """Parse the YAML header of `datasets/<name>/datacard.md`."""
    path = settings.DATASETS_DIR / name / "datacard.md"
    if not path.is_file():
        raise DatasetError(
            f"No dataset called {name!r}: {path} does not exist. "
            f"Bundled datasets: {', '.join(available()) or 'none'}."
        )
    text = path.read_text(encoding="utf-8")
    _, header, _ = text.split("---", 2)
    meta = yaml.safe_load(header)
    known = {"name", "files", "schema", "licence", "target", "time_column"}
    return DataCard(
        name=meta["name"],
        folder=path.parent,
        files=meta["files"],
        schema=meta.get("schema", {}),
        licence=meta["licence"],
        target=meta.get("target"),
        time_column=meta.get("time_column"),
        extra={k: v for k, v in meta.items() if k not in known},
    )


_verified: dict[Path, tuple[int, int]] = {}


def verify(name: str) -> DataCard:
    """Check every file of a dataset against its data card; raise `ChecksumError` if one differs.

    A file is hashed once per process and again only when its size or mtime changes.
    """
    meta = card(name)
    for filename, expected in meta.files.items():
        path = meta.folder / filename
        if not path.is_file():
            raise DatasetError(
                f"{settings.display_path(path)} is missing. Restore it with `git checkout -- "
                f"{settings.display_path(path)}` or re-clone the course."
            )
        stat = path.stat()
        stamp = (stat.st_size, stat.st_mtime_ns)
        if _verified.get(path) == stamp:
            continue
        actual = sha256(path)
        if actual != expected:
            raise ChecksumError(path, expected, actual)
        _verified[path] = stamp
    return meta


def _categoricals(frame: pd.DataFrame, meta: DataCard) -> pd.DataFrame:
    for column, spec in meta.schema.items():
        if spec.get("type") == "category" and column in frame:
            frame[column] = pd.Categorical(frame[column], categories=spec["values"])
    return frame


def load_bike_sharing() -> pd.DataFrame:
    """The running use case: 17,379 hours of bike rentals, sorted by `timestamp`."""
    meta = verify(BIKE_SHARING)
    frame = pd.read_csv(
        meta.folder / "hour.csv", parse_dates=["timestamp", "dteday"], keep_default_na=False,
        na_values={"weathersit": [""]},
    )
    return _categoricals(frame, meta)


def load_penguins() -> pd.DataFrame:
    """344 Palmer penguins: a small classification set for quick exercises."""
    meta = verify(PENGUINS)
    frame = pd.read_csv(meta.folder / "penguins.csv", na_values=["NA"])
    return _categoricals(frame, meta)


def load(name: str) -> pd.DataFrame:
    """Load a bundled dataset by name."""
    loaders = {BIKE_SHARING: load_bike_sharing, PENGUINS: load_penguins}
    if name not in loaders:
        raise DatasetError(f"No dataset called {name!r}. Bundled datasets: {', '.join(loaders)}.")
    return loaders[name]()


def reference_period(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """All of 2011, in time order: what models are trained on and monitoring compares against."""
    return system.reference(load_bike_sharing() if frame is None else frame)


def production_windows(frame: pd.DataFrame | None = None, freq: str = "MS") -> list[Window]:
    """2012 cut into consecutive windows (monthly by default), replayed as "production".

    `freq` is a pandas frequency: "MS" for months (mlproject's windows), "W-MON" for weeks, "QS"
    for quarters. Windows are disjoint, ordered and together cover every hour of 2012.
    """
    frame = load_bike_sharing() if frame is None else frame
    if freq == "MS":
        return system.production_windows(frame)
    edges = list(pd.date_range(REFERENCE_END, PRODUCTION_END, freq=freq))
    if not edges or edges[0] != REFERENCE_END:
        edges.insert(0, REFERENCE_END)
    if edges[-1] != PRODUCTION_END:
        edges.append(PRODUCTION_END)
    return [
        Window(start.strftime("%Y-%m-%d"), start, end, system.between(frame, start, end))
        for start, end in zip(edges[:-1], edges[1:], strict=True)
    ]
