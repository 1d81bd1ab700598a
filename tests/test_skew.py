"""The training/serving skew check, on mlproject's features."""

from __future__ import annotations

import pytest
from mlproject import data

from mlops_course import skew


@pytest.fixture(scope="module")
def train():
    return data.prepare_features(data.reference(data.load()))


def test_the_same_features_show_no_skew(train):
    report = skew.compare(train, train.sample(2000, random_state=0))
    assert not report["skewed"].any(), report


def test_humidity_sent_as_a_fraction_is_flagged_and_nothing_else(train):
    live = train.sample(2000, random_state=0).copy()
    live["hum"] = live["hum"] / 100
    report = skew.compare(train, live)
    assert report.loc["hum", "skewed"] and report.loc["hum", "distance"] > 0.9
    assert list(report.index[report["skewed"]]) == ["hum"]


def test_a_client_that_drops_the_weather_is_flagged(train):
    live = train.sample(2000, random_state=0).copy()
    live["weathersit"] = None
    assert skew.compare(train, live).loc["weathersit", "skewed"]
