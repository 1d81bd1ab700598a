"""Data: load the bike-sharing file, prove it is the right file, validate it, split it in time.

The stages every later step relies on:

1. `load()` checks the file's SHA-256 against the data card before reading a byte of it, so
   a damaged or edited copy fails loudly instead of training a subtly different model.
2. `validate()` checks the schema, value ranges, nulls and cross-column rules with pandera and
   reports every failure at once, by column and rule, with examples.
3. `training_split()` and `production_windows()` cut along time, never at random: the model
   is judged on hours that come after the ones it learnt from, as in production.
4. `prepare_features()` turns rows (from the file or from an API request) into the exact frame
   the model was trained on. Training and serving both call it, so they cannot drift apart.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

if TYPE_CHECKING:  # pandera takes seconds to import; only validation needs it (see schema())
    import pandera.pandas as pa

from mlproject import settings as cfg

REFERENCE_START = pd.Timestamp("2011-01-01")
REFERENCE_END = pd.Timestamp("2012-01-01")  # exclusive: the reference period is all of 2011
DATA_END = pd.Timestamp("2013-01-01")
HOLDOUT_MONTHS = 3  # the last quarter of 2011 (October to December) scores every candidate

SEASONS = ["spring", "summer", "fall", "winter"]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
WEATHER = ["Clear", "Mist", "Light Rain", "Heavy Rain"]


class DataError(RuntimeError):
    """The data file is missing, damaged or does not meet the schema."""


class ChecksumError(DataError):
    """The data file's SHA-256 is not the one in its data card."""


class DataValidationError(DataError):
    """Rows break the schema; `failures` lists them (column, check, failure case, row)."""

    def __init__(self, message: str, failures: pd.DataFrame) -> None:
        super().__init__(message)
        self.failures = failures


@dataclass(frozen=True)
class Window:
    """A half-open time window [start, end) and its rows."""

    name: str
    start: pd.Timestamp
    end: pd.Timestamp
    data: pd.DataFrame

    def __len__(self) -> int:
        return len(self.data)


# ----------------------------------------------------------------------------- loading


def sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_datacard(path: Path) -> dict[str, Any]:
    """The YAML header of a data card (between the first two `---` lines)."""
    if not path.is_file():
        raise DataError(f"No data card at {path}: it must sit next to the data file it describes.")
    _, header, _ = path.read_text(encoding="utf-8").split("---", 2)
    return yaml.safe_load(header)


def verify_checksum(path: Path, datacard: Path) -> str:
    """Return the file's SHA-256 if it matches the data card; raise `ChecksumError` if not."""
    if not path.is_file():
        raise DataError(
            f"Data file {path} does not exist. Restore data/hour.csv from the template "
            "(or point MLPROJECT_DATA_FILE at a copy)."
        )
    expected = read_datacard(datacard)["files"].get(path.name)
    if expected is None:
        raise DataError(f"The data card {datacard} lists no checksum for {path.name}.")
    actual = sha256(path)
    if actual != expected:
        raise ChecksumError(
            f"{path} is damaged or was edited: its SHA-256 is {actual} but the data card "
            f"expects {expected}. Restore the original file (git checkout -- data/{path.name}); "
            "if you changed the data on purpose, update the checksum in the data card too."
        )
    return actual


def load(path: Path | None = None, *, verify: bool = True) -> pd.DataFrame:
    """Load the hourly data with proper types, after checking its checksum.

    Args:
        path: the CSV file; defaults to `data/hour.csv` (or MLPROJECT_DATA_FILE).
        verify: check the SHA-256 against the data card first (turn off only for test files).
    """
    settings = cfg.get_settings()
    path = Path(path or settings.data_file)
    if verify:
        verify_checksum(path, path.parent / "datacard.md")
    elif not path.is_file():
        raise DataError(f"Data file {path} does not exist.")
    frame = pd.read_csv(path, parse_dates=[cfg.TIME_COLUMN])
    # Strings stay plain Python objects (not pandas' string dtype): the model, ONNX and
    # Evidently all treat object columns as categories.
    for column in ("season", "weekday", "weathersit", "dteday"):
        if column in frame:
            frame[column] = frame[column].astype(object)
    return frame


# ----------------------------------------------------------------------------- validation


def _cnt_is_casual_plus_registered(frame: pd.DataFrame) -> pd.Series:
    return frame["cnt"] == frame["casual"] + frame["registered"]


def _calendar_matches_timestamp(frame: pd.DataFrame) -> pd.Series:
    stamp = frame[cfg.TIME_COLUMN]
    return (stamp.dt.month == frame["mnth"]) & (stamp.dt.hour == frame["hr"])


@functools.cache
def schema() -> pa.DataFrameSchema:
    """The data contract, as a pandera schema (built on first use)."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "timestamp": pa.Column("datetime64[ns]", unique=True, nullable=False),
            "dteday": pa.Column(str, pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$")),
            "season": pa.Column(str, pa.Check.isin(SEASONS)),
            "yr": pa.Column(int, pa.Check.isin([0, 1])),
            "mnth": pa.Column(int, pa.Check.in_range(1, 12)),
            "hr": pa.Column(int, pa.Check.in_range(0, 23)),
            "holiday": pa.Column(int, pa.Check.isin([0, 1])),
            "weekday": pa.Column(str, pa.Check.isin(WEEKDAYS)),
            "workingday": pa.Column(int, pa.Check.isin([0, 1])),
            # The one column allowed to be missing: 1,258 hours have no recorded weather.
            "weathersit": pa.Column(str, pa.Check.isin(WEATHER), nullable=True),
            "temp": pa.Column(float, pa.Check.in_range(-8, 39)),
            "atemp": pa.Column(float, pa.Check.in_range(-16, 50)),
            "hum": pa.Column(int, pa.Check.in_range(0, 100)),
            "windspeed": pa.Column(float, pa.Check.in_range(0, 67)),
            "casual": pa.Column(int, pa.Check.ge(0)),
            "registered": pa.Column(int, pa.Check.ge(0)),
            "cnt": pa.Column(int, pa.Check.ge(0)),
        },
        checks=[
            pa.Check(_cnt_is_casual_plus_registered, error="cnt == casual + registered"),
            pa.Check(_calendar_matches_timestamp, error="mnth and hr agree with timestamp"),
        ],
        strict=True,  # an unexpected column is a change of contract, not something to ignore
        name="bike_sharing_hourly",
    )


def validate(frame: pd.DataFrame) -> pd.DataFrame:
    """Check schema, ranges, nulls and cross-column rules; return the frame unchanged.

    Raises:
        DataValidationError: with a message listing every broken rule, how many rows break
            it and a few example values, so one run shows everything to fix.
    """
    import pandera.errors

    try:
        return schema().validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        failures = err.failure_cases
        lines = []
        # A table-wide rule reports every column of a failing row; count rows, not cells.
        table_wide = failures["schema_context"] == "DataFrameSchema"
        for check, rows in failures[table_wide].groupby("check", sort=True):
            index = rows["index"].dropna().drop_duplicates()
            if index.empty:  # a rule about the table itself, e.g. an unexpected column
                cases = ", ".join(repr(v) for v in rows["failure_case"].head(5).tolist())
                lines.append(f"  - rule '{check}' fails for {cases}")
                continue
            examples = ", ".join(str(int(i)) for i in index.head(3).tolist())
            lines.append(f"  - rule '{check}' fails in {len(index)} row(s), e.g. rows {examples}")
        by_column = failures[~table_wide].groupby(["column", "check"], dropna=False, sort=True)
        for (column, check), rows in by_column:
            examples = ", ".join(repr(v) for v in rows["failure_case"].head(3).tolist())
            lines.append(f"  - {column}: {check} fails in {len(rows)} row(s), e.g. {examples}")
        message = (
            f"The data breaks {len(lines)} rule(s) of the schema in mlproject/data.py:\n"
            + "\n".join(lines)
            + "\nFix the data (or, if the world changed, the schema and the data card)."
        )
        raise DataValidationError(message, failures) from None


# ----------------------------------------------------------------------------- splits


def between(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Rows with start <= timestamp < end, in time order, with a fresh index."""
    stamp = frame[cfg.TIME_COLUMN]
    return (
        frame[(stamp >= start) & (stamp < end)].sort_values(cfg.TIME_COLUMN).reset_index(drop=True)
    )


def reference(frame: pd.DataFrame) -> pd.DataFrame:
    """The reference period (2011): what the first model learns from and drift compares to."""
    return between(frame, REFERENCE_START, REFERENCE_END)


def training_split(
    frame: pd.DataFrame,
    train_end: pd.Timestamp | str = REFERENCE_END,
    holdout_months: int = HOLDOUT_MONTHS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split everything before `train_end` into (train, holdout) along time.

    The holdout is the last `holdout_months` months before `train_end`; training uses
    everything earlier. Evaluating on later hours than the model saw is what production does.
    """
    train_end = pd.Timestamp(train_end)
    holdout_start = train_end - pd.DateOffset(months=holdout_months)
    train = between(frame, REFERENCE_START, holdout_start)
    holdout = between(frame, holdout_start, train_end)
    if train.empty or holdout.empty:
        raise DataError(
            f"train_end={train_end.date()} leaves no training or no holdout rows: pick a date "
            f"between {(REFERENCE_START + pd.DateOffset(months=holdout_months + 1)).date()} "
            f"and {DATA_END.date()}."
        )
    return train, holdout


def production_windows(
    frame: pd.DataFrame, start: pd.Timestamp = REFERENCE_END, end: pd.Timestamp = DATA_END
) -> list[Window]:
    """Monthly windows after the reference period, named `YYYY-MM`: the replayed production."""
    windows = []
    for month_start in pd.date_range(start, end, freq="MS", inclusive="left"):
        month_end = month_start + pd.DateOffset(months=1)
        rows = between(frame, month_start, month_end)
        if not rows.empty:
            windows.append(Window(month_start.strftime("%Y-%m"), month_start, month_end, rows))
    return windows


def window(frame: pd.DataFrame, name: str) -> Window:
    """One production window by name (`2012-03`); the error lists the valid names."""
    found = {w.name: w for w in production_windows(frame)}
    if name not in found:
        raise DataError(f"No production window {name!r}; choose one of: {', '.join(found)}.")
    return found[name]


# ----------------------------------------------------------------------------- features


def prepare_features(frame: pd.DataFrame) -> pd.DataFrame:
    """The model's input frame: the feature columns in a fixed order with fixed types.

    Missing weather becomes the category "Unknown" (the weather was not recorded; the model
    learns what that means) so scikit-learn and ONNX see the same strings. Target and
    leakage columns are dropped whatever the caller passed.
    """
    missing = [c for c in cfg.FEATURES if c not in frame.columns]
    if missing:
        raise DataError(
            f"Cannot build model features: column(s) {missing} are missing. "
            f"The model needs: {', '.join(cfg.FEATURES)}."
        )
    features = frame[cfg.FEATURES].copy()
    weather = features["weathersit"].astype(object)
    features["weathersit"] = weather.where(weather.notna(), cfg.MISSING_WEATHER)
    for column in cfg.CATEGORICAL_FEATURES:
        features[column] = features[column].astype(str).astype(object)
    for column in cfg.NUMERIC_FEATURES:
        features[column] = features[column].astype("float64")
    return features.reset_index(drop=True)


def target(frame: pd.DataFrame) -> pd.Series:
    """The label: rentals in the hour, as floats."""
    return frame[cfg.TARGET].astype("float64").reset_index(drop=True)
