"""The running use case's features, split, baseline and models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_course import datasets, modelling


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return datasets.reference_period()


def test_features_are_typed_for_json_and_keep_missing_weather(reference: pd.DataFrame):
    X = modelling.features(reference)
    assert list(X.columns) == modelling.FEATURES
    assert all(X[c].dtype == "float64" for c in modelling.NUMERIC)
    assert X["weathersit"].isna().sum() == reference["weathersit"].isna().sum() > 0
    assert not set(modelling.LEAKY) & set(X.columns)


def test_features_name_the_missing_columns(reference: pd.DataFrame):
    with pytest.raises(modelling.FeatureError, match="temp"):
        modelling.features(reference.drop(columns=["temp"]))


def test_the_time_split_never_trains_on_the_future(reference: pd.DataFrame):
    shuffled = reference.sample(frac=1.0, random_state=0)
    train, holdout = modelling.time_split(shuffled, modelling.VALIDATION_START)
    assert train.timestamp.max() < modelling.VALIDATION_START <= holdout.timestamp.min()
    assert train.timestamp.is_monotonic_increasing and holdout.timestamp.is_monotonic_increasing
    assert len(train) + len(holdout) == len(reference)
    late, _ = modelling.time_split(reference, modelling.VALIDATION_START, start="2011-04-01")
    assert late.timestamp.min() >= pd.Timestamp("2011-04-01")


def test_the_baseline_is_the_mean_of_the_same_hour_and_kind_of_day():
    X = pd.DataFrame({"workingday": [1.0, 1.0, 0.0], "hr": [8.0, 8.0, 8.0]})
    model = modelling.baseline().fit(X, [100, 200, 30])
    unseen = pd.DataFrame({"workingday": [1.0, 0.0, 1.0], "hr": [8.0, 8.0, 3.0]})
    assert model.predict(unseen).tolist() == [150.0, 30.0, 110.0]  # unseen hour -> overall mean


@pytest.mark.parametrize("make", [modelling.linear_model, modelling.boosted_trees])
def test_both_models_beat_predicting_the_mean(make, reference: pd.DataFrame):
    train, holdout = modelling.time_split(reference, modelling.VALIDATION_START)
    model = make().fit(modelling.features(train), train[modelling.TARGET])
    predicted = model.predict(modelling.features(holdout))
    mean_only = np.full(len(holdout), train[modelling.TARGET].mean())
    assert (modelling.scores(holdout.cnt, predicted)["mae"]
            < modelling.scores(holdout.cnt, mean_only)["mae"])


def test_scores_are_mae_rmse_and_signed_bias():
    result = modelling.scores([10, 20], [12, 16])
    assert result == {"mae": 3.0, "rmse": pytest.approx(np.sqrt(10)), "bias": -1.0}
