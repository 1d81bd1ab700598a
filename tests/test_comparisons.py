"""The linear model sprint 01 compares with the project's trees, and the lab's recap claim."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlproject import data
from mlproject import settings as cfg
from mlproject import train as training
from mlproject.evaluate import HourlyBaseline, regression_metrics
from threadpoolctl import threadpool_limits

from mlops_course import comparisons


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return data.reference(data.load())


def holdout_mae(model, train: pd.DataFrame, holdout: pd.DataFrame) -> float:
    with threadpool_limits(limits=1, user_api="openmp"):
        model.fit(data.prepare_features(train), data.target(train))
        predictions = model.predict(data.prepare_features(holdout))
    return regression_metrics(data.target(holdout), predictions)["mae"]


def test_the_linear_model_reads_the_projects_features_and_beats_the_mean(reference):
    train, holdout = data.training_split(reference)
    model = comparisons.linear_model()
    mae = holdout_mae(model, train, holdout)
    assert list(model.feature_names_in_) == cfg.FEATURES
    assert mae < np.mean(np.abs(holdout[cfg.TARGET] - train[cfg.TARGET].mean()))


@pytest.mark.slow
def test_the_lab_recap_holds_the_baseline_wins_the_last_fifth_and_loses_01a_split(reference):
    ordered = reference.sort_values(cfg.TIME_COLUMN)
    n = int(len(ordered) * 0.2)
    last_fifth = (ordered.iloc[:-n], ordered.iloc[-n:])
    quarter = data.training_split(reference)
    assert last_fifth[1][cfg.TIME_COLUMN].min().strftime("%m-%d") == "10-20"
    for (train, holdout), trees_win in [(last_fifth, False), (quarter, True)]:
        trees = holdout_mae(training.build_model(), train, holdout)
        baseline = holdout_mae(HourlyBaseline(), train, holdout)
        assert (trees < baseline) is trees_win, (trees, baseline)
