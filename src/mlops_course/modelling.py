"""Being retired: the course's older copy of the running use case's features, split and models.

The system is `mlproject`'s (project_template/src/mlproject): sprint 01 now teaches its
`data.training_split`, `data.prepare_features`, `train.build_model` and `evaluate.HourlyBaseline`.
What is left here serves the modules not yet ported (see the commit log); the feature lists and
the baseline already come from mlproject. Delete this module when nothing imports it.

    train, holdout = time_split(reference_period(), VALIDATION_START)
    model = boosted_trees().fit(features(train), train[TARGET])
    scores(holdout[TARGET], model.predict(features(holdout)))

Importing this module caps OpenMP (which the gradient-boosted trees use) at one thread per
process. On the course's 2-core machines a notebook, a test run and a server often compete for
the cores, and OpenMP threads that busy-wait for a busy core make a half-second fit take half a
minute. Set `MLOPS_COURSE_OPENMP_THREADS` to use more.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd
from mlproject import settings as cfg
from mlproject.evaluate import HourlyBaseline
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits

TARGET = cfg.TARGET
TIME_COLUMN = cfg.TIME_COLUMN
NUMERIC = cfg.NUMERIC_FEATURES
CATEGORICAL = cfg.CATEGORICAL_FEATURES
FEATURES = cfg.FEATURES
LEAKY = cfg.LEAKAGE_COLUMNS

# The last quarter of the reference period validates models in sprint 01.
VALIDATION_START = pd.Timestamp("2011-10-01")

# Types that skops must be told to trust when it loads a `boosted_trees()` pipeline.
# They are scikit-learn's own; list them explicitly rather than trusting everything.
TRUSTED_TYPES = [
    "functools.partial",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.utils.validation.check_array",
    "numpy.dtype",
    "mlproject.evaluate.HourlyBaseline",
]


def limit_openmp_threads(threads: int | None = None) -> int:
    """Cap this process's OpenMP threads (default: `MLOPS_COURSE_OPENMP_THREADS`, else 1)."""
    threads = threads or int(os.environ.get("MLOPS_COURSE_OPENMP_THREADS", "1"))
    threadpool_limits(limits=threads, user_api="openmp")
    return threads


limit_openmp_threads()


class FeatureError(ValueError):
    """A frame lacks a column the model needs."""


def features(frame: pd.DataFrame) -> pd.DataFrame:
    """The model's inputs, typed the way a client sends them over JSON.

    Numbers become float64 (an integer column cannot hold a missing value, and MLflow's
    signature would then refuse one), categories become plain strings, and a missing weather
    situation stays missing (`None`): the model handles it, it is not invented here.
    """
    missing = [c for c in FEATURES if c not in frame.columns]
    if missing:
        raise FeatureError(
            f"The frame has no column(s) {missing}. Pass the bike-sharing rows as loaded by "
            "`datasets.load_bike_sharing()` (or a slice of them)."
        )
    out = pd.DataFrame(index=frame.index)
    for column in NUMERIC:
        out[column] = frame[column].astype("float64")
    for column in CATEGORICAL:
        values = frame[column].astype(object)
        out[column] = values.where(values.notna(), None)
    return out


def time_split(
    frame: pd.DataFrame, cutoff: str | pd.Timestamp, *, start: str | pd.Timestamp | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows before `cutoff` (from `start` when given) and rows from `cutoff` on, both in time order.

    A random split would let the model train on hours that come after the ones it is scored
    on, which never happens in production; the score would flatter it.
    """
    ordered = frame.sort_values(TIME_COLUMN, kind="stable")
    cutoff = pd.Timestamp(cutoff)
    before = ordered[TIME_COLUMN] < cutoff
    if start is not None:
        train = ordered[before & (ordered[TIME_COLUMN] >= pd.Timestamp(start))]
    else:
        train = ordered[before]
    return train.reset_index(drop=True), ordered[~before].reset_index(drop=True)


HourlyProfile = HourlyBaseline  # the one baseline class is mlproject's


def baseline() -> HourlyBaseline:
    """The heuristic baseline, `mlproject.evaluate.HourlyBaseline`."""
    return HourlyBaseline()


def linear_model(alpha: float = 1.0) -> Pipeline:
    """Ridge regression on one-hot hours, weekdays and weather, and scaled numbers.

    Hours are one-hot encoded because demand is not linear in the hour of the day (two peaks).
    """
    categories = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="missing"),
        OneHotEncoder(handle_unknown="ignore"),
    )
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["hr"]),
        (categories, CATEGORICAL),
        (StandardScaler(), [c for c in NUMERIC if c != "hr"]),
    )
    return make_pipeline(encode, Ridge(alpha=alpha))


def boosted_trees(
    *,
    learning_rate: float = 0.1,
    max_leaf_nodes: int = 31,
    max_iter: int = 100,
    random_state: int = 0,
) -> Pipeline:
    """Gradient-boosted trees: weekday and weather as native categories, missing weather allowed."""
    encode = make_column_transformer(
        (
            OrdinalEncoder(
                handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1
            ),
            CATEGORICAL,
        ),
        remainder="passthrough",
        verbose_feature_names_out=False,
    )
    trees = HistGradientBoostingRegressor(
        learning_rate=learning_rate,
        max_leaf_nodes=max_leaf_nodes,
        max_iter=max_iter,
        categorical_features=list(range(len(CATEGORICAL))),
        random_state=random_state,
    )
    return make_pipeline(encode, trees)


def scores(y_true: Sequence[float], y_pred: Sequence[float]) -> dict[str, float]:
    """MAE (the course's headline metric, in bikes per hour), RMSE and mean bias.

    A positive bias means the model over-predicts on average (too many bikes planned).
    """
    true = np.asarray(y_true, dtype="float64")
    pred = np.asarray(y_pred, dtype="float64")
    return {
        "mae": float(mean_absolute_error(true, pred)),
        "rmse": float(math.sqrt(mean_squared_error(true, pred))),
        "bias": float(np.mean(pred - true)),
    }
