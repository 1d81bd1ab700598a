"""Features that are published late, joined as of the moment they were published.

Some facts about an hour are only known after it. The bike system's nightly job summarises
each day (mean rentals per hour, hours of rain) once the day is over, and its table lands
`PUBLICATION_DELAY` after midnight. A prediction for an hour can use only the summaries that
had landed by then. Training must see the same, or the model learns from the future.

    summary = daily_summary(frame)             # one row per day, with `published_at`
    join_naive(hours, summary)                 # each hour gets its own day: leaks the future
    join_point_in_time(hours, summary)         # each hour gets the latest summary published
                                               # by then (pandas.merge_asof): what serving sees
    model = fit(join_point_in_time(train_rows, summary))

Serving looks a feature up with the same function, for one row: `join_point_in_time` on a
frame holding the request's timestamp, so training and serving cannot disagree on what was
known when. The template's model (`train.build_model`) is reused, with the summary's columns
added to its numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from mlproject import data, train
from mlproject import settings as cfg

# The nightly job starts after midnight and its table lands by 02:00: from then on, the
# summary of the day before can be used. Hours 00:00 and 01:00 still see the day before that.
PUBLICATION_DELAY = pd.Timedelta(hours=2)
PUBLISHED_AT = "published_at"  # when a summary row became available
DAY = "day"  # the day a summary row describes (midnight, as a timestamp)
SUMMARY_FEATURES = ["day_mean_rentals", "day_rain_hours"]
RAIN = {"Light Rain", "Heavy Rain"}


def daily_summary(
    frame: pd.DataFrame, publication_delay: pd.Timedelta = PUBLICATION_DELAY
) -> pd.DataFrame:
    """One row per day: the day's mean rentals per hour and hours of rain, and when published.

    A day's row is published `publication_delay` after the day ends. Hours without a recorded
    weather do not count as rain (the data card: the weather was not recorded).
    """
    stamp = frame[cfg.TIME_COLUMN]
    rainy = frame["weathersit"].isin(RAIN).astype("float64")
    days = (
        pd.DataFrame({DAY: stamp.dt.normalize(), "cnt": frame[cfg.TARGET], "rain": rainy})
        .groupby(DAY, sort=True)
        .agg(day_mean_rentals=("cnt", "mean"), day_rain_hours=("rain", "sum"))
        .reset_index()
    )
    days[PUBLISHED_AT] = days[DAY] + pd.Timedelta(days=1) + publication_delay
    return days[[DAY, PUBLISHED_AT, *SUMMARY_FEATURES]]


def _without_summary(hours: pd.DataFrame) -> pd.DataFrame:
    """The hours without columns a join adds (so a frame can be joined again)."""
    return hours.drop(columns=[c for c in [*SUMMARY_FEATURES, PUBLISHED_AT] if c in hours])


def join_naive(hours: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Each hour with the summary of its own day: the easy join on the date, which leaks.

    At 08:00 the day's mean includes the rentals of 08:00 to 23:00, published the next night.
    Returned in the order and with the index of `hours`; `published_at` shows the leak.
    """
    hours = _without_summary(hours)
    by_day = summary.set_index(DAY)[[PUBLISHED_AT, *SUMMARY_FEATURES]]
    joined = by_day.reindex(hours[cfg.TIME_COLUMN].dt.normalize().to_numpy())
    joined.index = hours.index
    return pd.concat([hours, joined], axis=1)


def join_point_in_time(
    hours: pd.DataFrame, summary: pd.DataFrame, *, max_age: pd.Timedelta | None = None
) -> pd.DataFrame:
    """Each hour with the latest summary published at or before it (`pandas.merge_asof`).

    Args:
        hours: rows with a `timestamp`, in any order, with any index.
        summary: `daily_summary()` (or any table with `published_at` and the features).
        max_age: ignore a summary published longer ago than this (a stale feature becomes
            missing, which the model handles, rather than silently old).

    Returns:
        `hours` in its own order and index, with the summary's features and `published_at`;
        missing where nothing had been published yet.
    """
    hours = _without_summary(hours)
    position = "_position"
    left = hours.assign(**{position: np.arange(len(hours))})
    # merge_asof needs both sides sorted on their keys; a stable sort keeps ties in order.
    left = left.sort_values(cfg.TIME_COLUMN, kind="stable")
    right = summary[[PUBLISHED_AT, *SUMMARY_FEATURES]].sort_values(PUBLISHED_AT, kind="stable")
    joined = pd.merge_asof(
        left,
        right,
        left_on=cfg.TIME_COLUMN,
        right_on=PUBLISHED_AT,
        direction="backward",  # the last row published at or before the hour, never after
        allow_exact_matches=True,  # published at 02:00 is usable for the 02:00 prediction
        tolerance=max_age,
    )
    joined = joined.sort_values(position).drop(columns=position)
    joined.index = hours.index
    return joined


def model_input(frame: pd.DataFrame) -> pd.DataFrame:
    """The template's model features (`data.prepare_features`) plus the summary's columns."""
    missing = [c for c in SUMMARY_FEATURES if c not in frame]
    if missing:
        raise data.DataError(
            f"Columns {missing} are missing: join the daily summary first "
            "(features.join_point_in_time)."
        )
    extra = frame[SUMMARY_FEATURES].astype("float64").reset_index(drop=True)
    return pd.concat([data.prepare_features(frame), extra], axis=1)


def build_model(seed: int = cfg.SEED, max_iter: int = train.MAX_ITER_FULL) -> Pipeline:
    """The template's pipeline (`train.build_model`) with the summary's columns as numbers.

    Boosted trees take missing values as they are, so the hours before the first summary
    need no filling.
    """
    model = train.build_model(seed=seed, max_iter=max_iter)
    encode = model.named_steps["encode"]
    transformers = [
        (name, step, [*columns, *SUMMARY_FEATURES] if name == "numbers" else columns)
        for name, step, columns in encode.transformers
    ]
    return model.set_params(encode__transformers=transformers)


def fit(
    joined: pd.DataFrame,
    *,
    seed: int = cfg.SEED,
    max_iter: int = train.MAX_ITER_FULL,
    threads: int = 1,
) -> Pipeline:
    """Fit the pipeline on labelled hours that already carry the summary's columns."""
    model = build_model(seed=seed, max_iter=max_iter)
    with threadpool_limits(limits=threads):
        model.fit(model_input(joined), data.target(joined))
    return model


def predict(model: Pipeline, joined: pd.DataFrame) -> np.ndarray:
    """Rentals per hour for hours that carry the summary's columns (never negative)."""
    raw = model.predict(model_input(joined))
    return np.clip(np.asarray(raw, dtype="float64"), 0.0, None)
