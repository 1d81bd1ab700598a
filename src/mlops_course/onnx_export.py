"""Teaching-only ONNX experiments of sprint 04, built on mlproject's features and export.

The export itself is the project's: `mlproject.export` (to_onnx, OnnxModel, parity, quantize)
converts the model `mlproject.train` fits. This module holds the two models 04a builds only to
teach with, on the same feature columns (`mlproject.settings`) and the same `prepare_features`:

    wrong = native_category_trees(train_rows)       # converts without error, then fails parity
    net = train_network(train_rows)                  # dense weights: something to quantise

- `native_category_trees`: boosted trees that split on weekday and weather as *native
  categories* (sprint 01's first recipe). skl2onnx converts the trees but not their categorical
  splits, so the export is wrong by many bikes: the reason the project one-hot encodes, and the
  reason every export is checked for parity before it is trusted.
- `small_network`: a small neural network, because trees have no weight matrices to quantise.
"""

from __future__ import annotations

import warnings
from typing import Any

from mlproject import data
from mlproject import settings as cfg

SCALED = [c for c in cfg.NUMERIC_FEATURES if c != "hr"]  # the hour is one-hot encoded instead


def native_category_trees(frame: Any, *, max_iter: int = 60, seed: int = 0) -> Any:
    """Boosted trees with native categorical splits, fitted on `frame` (one thread).

    The categories are coded as integers (OrdinalEncoder) and declared categorical, so a tree
    may send "Sat or Sun" left in one split: what the ONNX converter does not translate.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder
    from threadpoolctl import threadpool_limits

    encode = ColumnTransformer([
        ("categories", OrdinalEncoder(), cfg.CATEGORICAL_FEATURES),
        ("numbers", "passthrough", cfg.NUMERIC_FEATURES),
    ])
    trees = HistGradientBoostingRegressor(
        max_iter=max_iter, categorical_features=list(range(len(cfg.CATEGORICAL_FEATURES))),
        early_stopping=False, random_state=seed,
    )
    model = Pipeline([("encode", encode), ("regressor", trees)])
    with threadpool_limits(limits=1):
        return model.fit(data.prepare_features(frame), data.target(frame))


def small_network(*, fast: bool = False, seed: int = 0) -> Any:
    """A small neural network on the project's features (one-hot categories and hour, scaled
    numbers). It exists to show quantisation, which needs dense weights: it is not served.
    """
    from sklearn.compose import make_column_transformer
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    def one_hot() -> OneHotEncoder:
        return OneHotEncoder(handle_unknown="ignore", sparse_output=False)

    prepare = make_column_transformer(
        (one_hot(), cfg.CATEGORICAL_FEATURES), (one_hot(), ["hr"]), (StandardScaler(), SCALED),
    )
    width = 64 if fast else 128
    net = MLPRegressor(
        hidden_layer_sizes=(width, width), max_iter=8 if fast else 40, batch_size=256,
        learning_rate_init=0.01, random_state=seed,
    )
    return make_pipeline(prepare, net)


def train_network(frame: Any, *, fast: bool = False, seed: int = 0) -> Any:
    """`small_network` fitted on `frame`, one thread, without convergence warnings."""
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return small_network(fast=fast, seed=seed).fit(
            data.prepare_features(frame), data.target(frame)
        )
