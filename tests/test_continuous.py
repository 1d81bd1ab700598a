"""Continuous training: the data check, the sliding training window and the quality gate."""

from __future__ import annotations

import pandas as pd
import pytest

from mlops_course import continuous, datasets, tracking


@pytest.fixture(scope="module")
def bikes() -> pd.DataFrame:
    return datasets.load_bike_sharing()


def test_the_bundled_data_meets_its_card(bikes):
    assert continuous.check_data(bikes) == []


def test_every_broken_rule_is_reported_at_once(bikes):
    broken = bikes.head(3000).copy()
    broken.loc[3, "hum"] = 150
    broken.loc[5, "cnt"] = -1
    broken["weathersit"] = broken["weathersit"].astype(object)
    broken.loc[:1000, "weathersit"] = None
    broken["weekday"] = broken["weekday"].astype(object)
    broken.loc[7, "weekday"] = "Funday"
    problems = continuous.check_data(broken.drop(columns=["atemp"]))
    text = " | ".join(problems)
    for expected in ["missing column(s): atemp", "hum: 1 value(s) outside [0, 100]",
                     "cnt: 1 value(s) outside", "weathersit: 37.3% missing (at most 15%)",
                     "unknown value(s) ['Funday']", "cnt != casual + registered in 1 row(s)"]:
        assert expected in text, f"{expected!r} not in {problems}"


def test_the_training_window_slides_and_the_holdout_is_the_last_month(bikes):
    train, holdout = continuous.training_window(bikes, "2012-04-01")
    assert train["timestamp"].min() >= pd.Timestamp("2011-09-01")
    assert train["timestamp"].max() < pd.Timestamp("2012-03-01")
    assert holdout["timestamp"].min() >= pd.Timestamp("2012-03-01")
    assert holdout["timestamp"].max() < pd.Timestamp("2012-04-01")
    with pytest.raises(continuous.DataCheckError, match="Pick a cut-off"):
        continuous.training_window(bikes, "2011-01-15")


def test_a_candidate_must_beat_the_baseline_first():
    decision = continuous.gate(candidate_mae=50, baseline_mae=45, champion_mae=80)
    assert not decision.promote and "baseline" in decision.reason


def test_the_first_candidate_that_beats_the_baseline_is_promoted():
    for champion in (None, -1.0):
        decision = continuous.gate(candidate_mae=40, baseline_mae=60, champion_mae=champion)
        assert decision.promote and decision.champion_mae is None


def test_a_tie_keeps_the_champion_and_min_gain_is_relative():
    assert not continuous.gate(50, 80, 50).promote
    assert continuous.gate(49.9, 80, 50).promote
    assert not continuous.gate(46, 80, 50, min_gain=0.1).promote  # needs below 45
    decision = continuous.gate(44, 80, 50, min_gain=0.1)
    assert decision.promote and "by more than 10%" in decision.reason
    assert decision.as_dict()["champion_mae"] == 50


def test_a_model_fitted_on_the_window_beats_the_hourly_baseline(bikes):
    train, holdout = continuous.training_window(bikes, "2012-01-01")
    model = continuous.fit_candidate(train, fast=True)
    assert continuous.mae(model, holdout) < continuous.baseline_mae(train, holdout)


def test_asking_for_a_champion_in_an_empty_store_says_what_to_run(tmp_path):
    store = tracking.local_store(tmp_path / "empty")
    tracking.quiet_store_setup()
    with pytest.raises(continuous.ChampionError, match="Run the training pipeline first"):
        continuous.champion(store)
