"""Evaluation: the metrics that decide, the baseline a model must beat, and predictions.

The headline metric is MAE in rentals per hour: an operations team reads "off by 33 bikes
an hour on average" directly. RMSE (which punishes big misses) and R² are logged beside it.
Every model is compared with a heuristic baseline (the mean of the same hour on the same kind
of day); a model that cannot beat it is not worth serving.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.utils.validation import check_is_fitted

from mlproject import data
from mlproject import settings as cfg

PRIMARY_METRIC = "mae"


def predict(model: Any, frame: pd.DataFrame) -> np.ndarray:
    """Predicted rentals per hour for raw rows (any columns; features are picked and typed).

    The regressor can undershoot below zero at night; a count cannot, so predictions are
    clipped at 0. Every caller (evaluation, API, monitoring) goes through here.
    """
    raw = model.predict(data.prepare_features(frame))
    return np.clip(np.asarray(raw, dtype="float64"), 0.0, None)


def regression_metrics(y_true: pd.Series | np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """MAE, RMSE, R² and bias (mean of prediction minus truth; negative = under-predicting)."""
    y_true = np.asarray(y_true, dtype="float64")
    y_pred = np.asarray(y_pred, dtype="float64")
    if len(y_true) == 0 or len(y_true) != len(y_pred):
        raise ValueError(
            f"Need as many predictions as labels, and at least one: got {len(y_pred)} "
            f"predictions for {len(y_true)} labels."
        )
    return {
        "mae": float(mean_absolute_error(y_true, y_pred)),
        "rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))),
        "r2": float(r2_score(y_true, y_pred)) if len(y_true) > 1 else float("nan"),
        "bias": float(np.mean(y_pred - y_true)),
    }


def evaluate(model: Any, frame: pd.DataFrame) -> dict[str, float]:
    """Metrics of a model on labelled rows."""
    return regression_metrics(data.target(frame), predict(model, frame))


class HourlyBaseline(RegressorMixin, BaseEstimator):
    """The heuristic to beat: mean rentals for the same hour on the same kind of day.

    A scikit-learn estimator, so it goes through the same evaluation as the model and can be
    logged to MLflow like one (skops saves it: the fitted table is kept as plain arrays).
    `fit(features, target)` as in scikit-learn, or `fit(rows)` with the target column in them.
    """

    keys = ("hr", "workingday")

    def fit(self, X: pd.DataFrame, y: pd.Series | np.ndarray | None = None) -> HourlyBaseline:
        """Learn the mean of each (hour, kind of day) pair, and the overall mean as a fallback."""
        target = X[cfg.TARGET] if y is None else y
        table = X[list(self.keys)].astype("float64").assign(_y=np.asarray(target, "float64"))
        means = table.groupby(list(self.keys))["_y"].mean()
        self.keys_ = np.array(means.index.to_list(), dtype="float64").reshape(len(means), -1)
        self.means_ = means.to_numpy(dtype="float64")
        self.overall_ = float(table["_y"].mean())
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The learnt mean of each row's (hour, kind of day); the overall mean if never seen."""
        check_is_fitted(self, "means_")
        lookup = dict(zip(map(tuple, self.keys_.tolist()), self.means_.tolist(), strict=True))
        rows = X[list(self.keys)].astype("float64").itertuples(index=False, name=None)
        return np.array([lookup.get(row, self.overall_) for row in rows], dtype="float64")
