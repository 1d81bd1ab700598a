"""Batch scoring: predict every hour of a period with the champion, into one Parquet file.

`python -m mlproject score-batch --from 2012-06-01 --to 2012-06-30` (or `make score-batch`)
writes `reports/batch/predictions-2012-06-01-2012-06-30.parquet`: one row per hour the data
holds in the period, each carrying the model that scored it (name, the alias asked for, and
the version that alias pointed to).

Two properties make a batch job safe to re-run, which is what a scheduler or a preempted
machine will do:

* **Idempotent**: the same period, data and model version give a byte-identical file. The file
  holds nothing that changes between runs (no "scored at" wall-clock time, no random row
  order), and Parquet is written with fixed options.
* **Atomic**: the file is written under a temporary name in the same folder, flushed to disk,
  then renamed over the target (`mlproject.atomic`). A reader sees the old file or the new
  one, never half of one, and a job killed while writing leaves the previous file as it was.

The alias is resolved to a version once, and that version (`models:/<name>/<version>`) is
loaded: if the alias moves while the job runs, every row still comes from the one model the
file names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mlproject import data, evaluate, registry
from mlproject import settings as cfg
from mlproject.atomic import write_atomically

PREDICTION = "predicted_cnt"
COLUMNS = [cfg.TIME_COLUMN, PREDICTION, "model_name", "model_alias", "model_version"]


@dataclass(frozen=True)
class BatchResult:
    """What one batch run wrote."""

    path: Path
    rows: int
    start: pd.Timestamp
    end: pd.Timestamp  # exclusive
    model_name: str
    model_alias: str
    model_version: str


def period(date_from: str, date_to: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) for the days `date_from` to `date_to`, both included (YYYY-MM-DD)."""
    try:
        start = pd.Timestamp(date_from).normalize()
        end = pd.Timestamp(date_to).normalize() + pd.Timedelta(days=1)
    except ValueError as err:
        raise data.DataError(f"Dates must look like 2012-06-01: {err}") from err
    if end <= start:
        raise data.DataError(f"--to ({date_to}) is before --from ({date_from}).")
    return start, end


def default_output(settings: cfg.Settings, date_from: str, date_to: str) -> Path:
    """Where a period's predictions go unless told otherwise: one file per period."""
    return settings.reports_dir / "batch" / f"predictions-{date_from}-{date_to}.parquet"


def predictions(rows: pd.DataFrame, model: registry.LoadedModel) -> pd.DataFrame:
    """One row per input hour, in time order: the prediction and the model that made it."""
    rows = rows.sort_values(cfg.TIME_COLUMN, kind="stable").reset_index(drop=True)
    return pd.DataFrame(
        {
            cfg.TIME_COLUMN: rows[cfg.TIME_COLUMN].astype("datetime64[us]"),
            PREDICTION: evaluate.predict(model.model, rows),
            "model_name": model.name,
            "model_alias": model.alias,
            "model_version": model.version,
        },
        columns=COLUMNS,
    )


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as Parquet. Fixed options (no index, snappy, pyarrow's default row groups)
    give the same bytes for the same content, with the same pyarrow version."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink, compression="snappy")
    return sink.getvalue().to_pybytes()


def load_pinned(settings: cfg.Settings, alias: str | None = None) -> registry.LoadedModel:
    """The model an alias points to now, loaded by its version so the alias may move freely."""
    import mlflow.sklearn

    alias = alias or settings.model_alias
    client = registry.configure(settings)
    version = registry.champion_version(settings.model_name, alias, client)
    if version is None:
        raise registry.RegistryError(
            f"No model '{settings.model_name}' with alias '{alias}' in the registry at "
            f"{settings.tracking_uri}. Train and register one first: `make train`."
        )
    model = mlflow.sklearn.load_model(f"models:/{settings.model_name}/{version.version}")
    return registry.LoadedModel(
        model, settings.model_name, str(version.version), alias, version.run_id
    )


def score_batch(
    date_from: str,
    date_to: str,
    output: Path | None = None,
    *,
    settings: cfg.Settings | None = None,
    frame: pd.DataFrame | None = None,
) -> BatchResult:
    """Score every hour from `date_from` to `date_to` (days, both included) with the champion.

    Args:
        date_from, date_to: the period, as YYYY-MM-DD; `date_to`'s hours are included.
        output: the Parquet file (default: `default_output`); replaced atomically if present.
        frame: validated rows to score from (default: the checksum-verified data file).
    """
    settings = settings or cfg.get_settings()
    start, end = period(date_from, date_to)
    if frame is None:
        frame = data.validate(data.load(settings.data_file))
    rows = data.between(frame, start, end)
    if rows.empty:
        raise data.DataError(
            f"No hours between {date_from} and {date_to} in the data "
            f"({frame[cfg.TIME_COLUMN].min()} to {frame[cfg.TIME_COLUMN].max()})."
        )
    model = load_pinned(settings)
    path = Path(output or default_output(settings, date_from, date_to))
    write_atomically(path, parquet_bytes(predictions(rows, model)))
    return BatchResult(path, len(rows), start, end, model.name, model.alias, model.version)
