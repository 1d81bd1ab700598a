"""The leak of a naive join, measured: walkthrough 03c's experiment on mlproject's features.

    scores = holdout_scores(frame, summary, train_end="2012-01-01", max_iter=100)
    table = leak_table(frame, summary, ["2012-01-01", "2012-07-01", "2013-01-01"])

For each held-out quarter (the template's `data.training_split`), three models are fitted on
the hours before it: the template's model without the daily summary, the same model with the
summary joined naively (on the date) and with it joined point-in-time (`merge_asof` on the
publication time). Each is scored twice on the quarter: *offline*, with the quarter's features
joined the way its training rows were (what a data scientist's evaluation reports), and
*served*, with the features a service can look up when the hour is predicted (always the
point-in-time join). The difference between the two is what the leak hides.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from mlproject import data, evaluate, features, train
from mlproject import settings as cfg

JOINS = {"naive": features.join_naive, "point-in-time": features.join_point_in_time}


def _mae(frame: pd.DataFrame, predictions) -> float:
    return evaluate.regression_metrics(data.target(frame), predictions)["mae"]


def holdout_scores(
    frame: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    train_end: str | pd.Timestamp = data.REFERENCE_END,
    max_iter: int = train.MAX_ITER_FAST,
    seed: int = cfg.SEED,
) -> dict[str, float]:
    """Holdout MAE (rentals per hour) of the three models, offline and as served.

    Keys: `template`, `naive offline`, `naive served`, `point-in-time offline`,
    `point-in-time served`.
    """
    train_rows, holdout = data.training_split(frame, train_end)
    served = features.join_point_in_time(holdout, summary)
    template = train.fit(train_rows, seed=seed, max_iter=max_iter)
    scores = {"template": _mae(holdout, evaluate.predict(template, holdout))}
    for name, join in JOINS.items():
        model = features.fit(join(train_rows, summary), seed=seed, max_iter=max_iter)
        scores[f"{name} offline"] = _mae(holdout, features.predict(model, join(holdout, summary)))
        scores[f"{name} served"] = _mae(holdout, features.predict(model, served))
    return scores


def leak_table(
    frame: pd.DataFrame,
    summary: pd.DataFrame,
    train_ends: Sequence[str | pd.Timestamp],
    *,
    max_iter: int = train.MAX_ITER_FAST,
    seed: int = cfg.SEED,
) -> pd.DataFrame:
    """`holdout_scores` for several held-out quarters, one row each, named by the quarter.

    Adds `naive understated by` (served minus offline MAE of the naive model: how much better
    it looked than it is) and `naive vs point-in-time served` (positive when the leaky model is
    also the worse one in service).
    """
    rows = {}
    for end in train_ends:
        end = pd.Timestamp(end)
        start = end - pd.DateOffset(months=data.HOLDOUT_MONTHS)
        label = f"{start:%Y-%m} to {end - pd.Timedelta(days=1):%Y-%m}"
        rows[label] = holdout_scores(
            frame, summary, train_end=end, max_iter=max_iter, seed=seed
        )
    table = pd.DataFrame.from_dict(rows, orient="index")
    table["naive understated by"] = table["naive served"] - table["naive offline"]
    table["naive vs point-in-time served"] = (
        table["naive served"] - table["point-in-time served"]
    )
    table.index.name = "held-out quarter"
    return table
