"""Walkthrough 03c's claims hold at both sizes: CI runs the notebook in fast mode only, so the
full-size model's numbers, which a student sees, are checked here.

In every held-out quarter the notebook shows: the naive join's offline score is better than
what the same model scores when served; the point-in-time join scores the same offline and
served; and the summary, joined right, improves on the template's model.
"""

from __future__ import annotations

import pandas as pd
import pytest
from mlproject import data, features, train

from mlops_course import point_in_time

QUARTERS = ["2012-01-01", "2012-07-01", "2013-01-01"]  # the notebook's held-out quarters


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return data.load()


@pytest.fixture(scope="module")
def summary(frame: pd.DataFrame) -> pd.DataFrame:
    return features.daily_summary(frame)


def check_claims(table: pd.DataFrame) -> None:
    for quarter, row in table.iterrows():
        assert row["naive understated by"] > 5, (quarter, row.to_dict())
        assert row["point-in-time offline"] == row["point-in-time served"], quarter
        assert row["point-in-time served"] < row["template"], (quarter, row.to_dict())
        assert row["naive offline"] < row["point-in-time offline"], (quarter, row.to_dict())


def test_the_leak_shows_in_every_quarter_with_the_fast_model(frame, summary):
    table = point_in_time.leak_table(frame, summary, QUARTERS, max_iter=train.MAX_ITER_FAST)
    assert list(table.index) == ["2011-10 to 2011-12", "2012-04 to 2012-06", "2012-10 to 2012-12"]
    check_claims(table)


@pytest.mark.slow
def test_the_leak_shows_in_every_quarter_with_the_full_model(frame, summary):
    check_claims(
        point_in_time.leak_table(frame, summary, QUARTERS, max_iter=train.MAX_ITER_FULL)
    )


def test_the_same_inputs_give_the_same_scores(frame, summary):
    first = point_in_time.holdout_scores(frame, summary)
    assert point_in_time.holdout_scores(frame, summary) == first
