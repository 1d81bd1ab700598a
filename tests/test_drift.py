"""Drift statistics by hand: PSI, KS and Wasserstein on known cases and on the real windows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from mlproject import data, monitor

from mlops_course import drift


@pytest.fixture(scope="module")
def bikes() -> pd.DataFrame:
    return data.validate(data.load())


def test_psi_of_a_sample_with_itself_is_zero():
    values = np.random.default_rng(0).normal(size=500)
    assert drift.psi(values, values) == pytest.approx(0.0, abs=1e-12)


def test_psi_matches_a_value_computed_by_hand():
    # Deciles of 0..99 hold ten values each; 90..99 all fall in the top one. By hand:
    # (1 - 0.1) ln(1 / 0.1) + 9 (0.0001 - 0.1) ln(0.0001 / 0.1)
    expected = 0.9 * math.log(10) + 9 * (1e-4 - 0.1) * math.log(1e-4 / 0.1)
    assert drift.psi(np.arange(100.0), np.arange(90.0, 100.0)) == pytest.approx(expected)


def test_psi_puts_a_value_on_an_edge_in_the_bin_above():
    reference = [0, 0, 0, 0, 1, 1, 2, 3, 3, 3]
    edges = drift.psi_edges(reference, bins=4)
    assert list(edges) == [0.0, 1.0, 2.75]  # the reference's quartiles
    assert list(drift.shares(np.array([0.0, 1.0, 3.0]), edges)) == pytest.approx(
        [0, 1 / 3, 1 / 3, 1 / 3]
    )


def test_repeated_quantiles_of_a_flag_become_one_edge():
    holiday = [0] * 90 + [1] * 10
    assert len(drift.psi_edges(holiday)) == 2  # nine deciles, eight of them 0
    expected = (0.5 - 0.9) * math.log(0.5 / 0.9) + (0.5 - 0.1) * math.log(0.5 / 0.1)
    assert drift.psi(holiday, [0] * 50 + [1] * 50) == pytest.approx(expected)


def test_psi_ignores_missing_values_and_refuses_an_empty_sample():
    values = pd.Series([1.0, 2.0, np.nan, 3.0, 4.0, np.nan])
    assert drift.psi(values, values.dropna()) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(drift.DriftError, match="no numeric value"):
        drift.psi(values, [np.nan, np.nan])


def test_categorical_psi_sees_a_new_category_and_a_changed_mix():
    before = ["Clear"] * 70 + ["Mist"] * 30
    assert drift.psi_categorical(before, before) == pytest.approx(0.0, abs=1e-12)
    assert drift.psi_categorical(before, ["Clear"] * 30 + ["Mist"] * 70) > 0.2
    assert drift.psi_categorical(before, before + ["Snow"] * 20) > 0.1


def test_wasserstein_normed_is_the_shift_in_standard_deviations():
    values = np.random.default_rng(1).normal(10, 2, size=4000)
    assert drift.wasserstein(values, values + 2) == pytest.approx(1.0, rel=0.02)
    assert drift.wasserstein(values, values + 2, normed=False) == pytest.approx(2.0)


def test_ks_separates_a_shift_from_noise():
    rng = np.random.default_rng(2)
    same = drift.ks(rng.normal(size=800), rng.normal(size=800))
    moved = drift.ks(rng.normal(size=800), rng.normal(0.5, 1, size=800))
    assert same.pvalue > 0.01 and moved.pvalue < 1e-6 and moved.statistic > same.statistic


def test_march_2012_demand_drifted_from_2011_while_the_hours_did_not(bikes):
    window = data.production_windows(bikes)[2]
    table = drift.feature_drift(monitor.reference_for(bikes, window).data, window.data)
    assert list(table.index) == drift.MONITORED
    assert table.loc["cnt", "psi"] > 0.5  # demand more than doubled
    assert table.loc["hr", "psi"] < 0.01  # every hour of the day, as always
    assert table.loc["weekday", "kind"] == "categorical" and np.isnan(table.loc["weekday", "ks"])


def test_the_decision_names_the_drifted_columns_and_a_missing_value_spike(bikes):
    window = data.production_windows(bikes)[2]
    reference = monitor.reference_for(bikes, window).data
    verdict = drift.decide(drift.feature_drift(reference, window.data))
    assert verdict.drifted and "cnt" in verdict.columns
    broken = reference.copy()
    broken["weathersit"] = broken["weathersit"].astype(object)
    broken.loc[broken.index[::3], "weathersit"] = None
    quality = drift.decide(drift.feature_drift(reference, broken, ["weathersit", "hr"]))
    assert quality.columns == ["weathersit"] and "missing" in quality.reasons[0]
    assert quality.share == pytest.approx(0.5)


def test_a_window_against_its_own_reference_is_not_drifted(bikes):
    reference = data.reference(bikes)
    half = reference.sample(frac=0.5, random_state=0)
    verdict = drift.decide(drift.feature_drift(half, reference.drop(half.index)))
    assert not verdict.drifted and verdict.columns == [] and verdict.share == 0


def test_false_alarm_rates_fall_as_the_threshold_rises(bikes):
    temps = data.reference(bikes)["temp"]
    strict = drift.false_alarm_rate(temps, size=700, threshold=0.2, draws=50)
    loose = drift.false_alarm_rate(temps, size=700, threshold=0.01, draws=50)
    ks_rate = drift.false_alarm_rate(temps, size=700, threshold=0.05, statistic="ks_pvalue",
                                     draws=50)
    assert strict == 0.0 and loose > 0.5 and ks_rate < 0.2
    with pytest.raises(drift.DriftError, match="Unknown statistic"):
        drift.false_alarm_rate(temps, size=10, threshold=1, statistic="t-test", draws=1)
