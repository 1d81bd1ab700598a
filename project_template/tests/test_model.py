"""Model behaviour tests on the trained champion: what it must do, whatever its MAE.

Three kinds (after Ribeiro et al.'s CheckList): minimum functionality (obvious cases it must
get right), invariance (changes that must not move the prediction) and directional
expectations (changes that must move it one way).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlproject import data, evaluate, export, schemas, train
from mlproject import settings as cfg


def hours(**changes) -> pd.DataFrame:
    """A working-day record, with some fields changed (lists make several rows)."""
    base = {
        **schemas.EXAMPLE_RECORD,
        **{k: v for k, v in changes.items() if not isinstance(v, list)},
    }
    lists = {k: v for k, v in changes.items() if isinstance(v, list)}
    n = max((len(v) for v in lists.values()), default=1)
    return pd.DataFrame([{**base, **{k: v[i] for k, v in lists.items()}} for i in range(n)])


def test_the_same_data_and_seed_give_the_same_model(frame):
    train_rows, holdout = data.training_split(frame)
    first = train.fit(train_rows, max_iter=train.MAX_ITER_FAST)
    second = train.fit(train_rows, max_iter=train.MAX_ITER_FAST)
    np.testing.assert_array_equal(
        evaluate.predict(first, holdout), evaluate.predict(second, holdout)
    )


def test_the_model_beats_the_hourly_baseline_on_the_holdout(trained):
    assert trained.metrics["mae"] < trained.baseline["mae"]


def test_the_model_learnt_from_the_features_only(champion):
    assert list(champion.model.feature_names_in_) == cfg.FEATURES


def test_predictions_are_never_negative(champion, frame):
    assert evaluate.predict(champion.model, frame).min() >= 0


def test_minimum_functionality_the_morning_rush_beats_the_middle_of_the_night(champion):
    rush, night = evaluate.predict(champion.model, hours(hr=[8, 3]))
    assert rush > 3 * night


def test_minimum_functionality_a_summer_rush_hour_is_in_a_plausible_range(champion):
    (prediction,) = evaluate.predict(champion.model, hours(hr=17))
    assert 150 < prediction < 1000


def test_invariance_to_columns_the_model_must_not_use(champion):
    plain = evaluate.predict(champion.model, hours())
    noisy = evaluate.predict(champion.model, hours(casual=999, registered=0, cnt=5, yr=1))
    np.testing.assert_array_equal(plain, noisy)


def test_invariance_missing_weather_is_the_same_as_unknown_weather(champion):
    missing, unknown = evaluate.predict(champion.model, hours(weathersit=[None, "Unknown"]))
    assert missing == unknown


def test_directional_rain_lowers_demand(champion):
    clear, rain = evaluate.predict(champion.model, hours(hr=17, weathersit=["Clear", "Light Rain"]))
    assert rain < clear


def test_directional_a_mild_day_beats_a_freezing_one(champion):
    frame = hours(hr=17, temp=[2.0, 20.0])
    cold, mild = evaluate.predict(champion.model, frame)
    assert mild > cold


@pytest.mark.slow
def test_the_onnx_export_agrees_with_scikit_learn_within_tolerance(champion, frame):
    _, holdout = data.training_split(frame)
    onnx_model = export.OnnxModel(export.to_onnx(champion.model))
    result = export.parity(champion.model, onnx_model, holdout)
    assert result.ok, f"ONNX differs by up to {result.max_abs_diff} rentals/hour"
