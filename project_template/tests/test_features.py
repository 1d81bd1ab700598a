"""Features published late: the daily summary, the naive join that leaks, the point-in-time join.

Code: the point-in-time join takes, for every hour, the latest summary published at or before
it (checked against a brute-force search over generated times), in the caller's order and
index. Data: the summary of the real file. Model: the naive join flatters the offline score,
the point-in-time join does not, and the feature is still worth having when joined right.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlproject import data, evaluate, features, train
from mlproject import settings as cfg

TIME = cfg.TIME_COLUMN


@pytest.fixture(scope="module")
def summary(frame: pd.DataFrame) -> pd.DataFrame:
    return features.daily_summary(frame)


def brute_force(summary: pd.DataFrame, when: pd.Timestamp) -> pd.Series | None:
    """The summary row a reader at `when` sees: the last one published at or before it."""
    published = summary[summary[features.PUBLISHED_AT] <= when]
    if published.empty:
        return None
    return published.loc[published[features.PUBLISHED_AT].idxmax()]


def random_times(summary: pd.DataFrame, n: int, seed: int) -> pd.Series:
    """Times at random minutes over the data, plus the exact moments of publication."""
    rng = np.random.default_rng(seed)
    start, end = summary[features.DAY].min(), summary[features.PUBLISHED_AT].max()
    minutes = rng.integers(0, int((end - start) / pd.Timedelta(minutes=1)), n)
    edges = summary[features.PUBLISHED_AT].sample(20, random_state=seed)
    times = [start + pd.Timedelta(minutes=int(m)) for m in minutes]
    times += list(edges) + [e - pd.Timedelta(seconds=1) for e in edges]
    return pd.Series(times, dtype="datetime64[ns]")


# ----------------------------------------------------------------------------- data


def test_every_day_of_the_data_has_one_summary_published_after_it_ends(frame, summary):
    days = frame[TIME].dt.normalize().drop_duplicates()
    assert summary[features.DAY].tolist() == sorted(days)
    delay = summary[features.PUBLISHED_AT] - summary[features.DAY]
    assert (delay == pd.Timedelta(days=1) + features.PUBLICATION_DELAY).all()


def test_the_summary_holds_the_days_mean_rentals_and_hours_of_rain(frame, summary):
    day = frame[frame["dteday"] == "2011-01-01"]
    row = summary.set_index(features.DAY).loc[pd.Timestamp("2011-01-01")]
    assert row["day_mean_rentals"] == pytest.approx(day["cnt"].mean())
    assert row["day_rain_hours"] == day["weathersit"].isin(["Light Rain", "Heavy Rain"]).sum()
    assert summary[features.SUMMARY_FEATURES].notna().all().all()
    assert summary["day_rain_hours"].between(0, 24).all()


# ----------------------------------------------------------------------------- code


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_point_in_time_join_takes_the_latest_summary_published_by_then(summary, seed):
    hours = pd.DataFrame({TIME: random_times(summary, 200, seed)})
    joined = features.join_point_in_time(hours, summary)
    for when, (_, row) in zip(hours[TIME], joined.iterrows(), strict=True):
        expected = brute_force(summary, when)
        if expected is None:
            assert row[features.SUMMARY_FEATURES].isna().all(), when
        else:
            assert row[features.PUBLISHED_AT] == expected[features.PUBLISHED_AT], when
            assert row["day_mean_rentals"] == expected["day_mean_rentals"], when


def test_no_hour_ever_gets_a_summary_published_after_it(frame, summary):
    joined = features.join_point_in_time(frame, summary)
    published = joined[features.PUBLISHED_AT]
    assert (published.isna() | (published <= joined[TIME])).all()
    # From 02:00 on, an hour sees yesterday's summary; before it, the day before yesterday's.
    described = published.dt.normalize() - pd.Timedelta(days=1)
    days_back = (joined[TIME].dt.normalize() - described) / pd.Timedelta(days=1)
    early = joined[TIME].dt.hour < features.PUBLICATION_DELAY / pd.Timedelta(hours=1)
    assert set(days_back[~early & published.notna()]) == {1}
    assert set(days_back[early & published.notna()]) == {2}


def test_the_naive_join_gives_every_hour_a_summary_published_after_it(frame, summary):
    joined = features.join_naive(frame, summary)
    assert (joined[features.PUBLISHED_AT] > joined[TIME]).all()


def test_the_joins_keep_the_callers_order_and_index_whatever_the_order(frame, summary):
    rows = frame.sample(500, random_state=3)
    rows.index = np.arange(1000, 500, -1)  # re-indexed, not in time order
    ordered = rows.sort_values(TIME)
    for join in (features.join_point_in_time, features.join_naive):
        shuffled, sorted_ = join(rows, summary), join(ordered, summary)
        assert shuffled.index.tolist() == rows.index.tolist()
        pd.testing.assert_frame_equal(shuffled.loc[ordered.index], sorted_)


def test_joining_a_joined_frame_again_replaces_the_columns(frame, summary):
    once = features.join_point_in_time(frame.head(100), summary)
    twice = features.join_point_in_time(features.join_naive(once, summary), summary)
    pd.testing.assert_frame_equal(once, twice)


def test_hours_before_the_first_publication_get_missing_features(frame, summary):
    joined = features.join_point_in_time(frame, summary)
    first = summary[features.PUBLISHED_AT].min()
    before = joined[TIME] < first
    assert before.sum() > 0
    assert joined.loc[before, features.SUMMARY_FEATURES].isna().all().all()
    assert joined.loc[~before, features.SUMMARY_FEATURES].notna().all().all()


def test_max_age_turns_a_stale_summary_into_a_missing_one(summary):
    late = summary[features.PUBLISHED_AT].max() + pd.Timedelta(days=3)
    hours = pd.DataFrame({TIME: [late]})
    assert features.join_point_in_time(hours, summary)["day_mean_rentals"].notna().all()
    stale = features.join_point_in_time(hours, summary, max_age=pd.Timedelta(days=1))
    assert stale["day_mean_rentals"].isna().all()


def test_serving_one_request_sees_what_training_saw_for_that_hour(frame, summary):
    training = features.join_point_in_time(frame, summary)
    for position in np.random.default_rng(4).integers(0, len(frame), 25):
        request = frame.iloc[[position]]
        served = features.join_point_in_time(request, summary)
        pd.testing.assert_frame_equal(served, training.iloc[[position]])


def test_model_input_without_the_summary_names_the_missing_columns(frame):
    with pytest.raises(data.DataError, match="day_mean_rentals"):
        features.model_input(frame.head(5))


# ----------------------------------------------------------------------------- model


@pytest.fixture(scope="module")
def scores(frame, summary) -> dict[str, float]:
    """Holdout MAE of the template model and of the two joins, offline and as served."""
    train_rows, holdout = data.training_split(frame)
    served = features.join_point_in_time(holdout, summary)
    found = {"template": evaluate.evaluate(train.fit(train_rows, max_iter=100), holdout)["mae"]}
    for name, join in (("naive", features.join_naive), ("pit", features.join_point_in_time)):
        model = features.fit(join(train_rows, summary), max_iter=100)
        found[f"{name} offline"] = evaluate.regression_metrics(
            data.target(holdout), features.predict(model, join(holdout, summary))
        )["mae"]
        found[f"{name} served"] = evaluate.regression_metrics(
            data.target(holdout), features.predict(model, served)
        )["mae"]
    return found


def test_the_naive_join_promises_an_error_it_does_not_deliver(scores):
    assert scores["naive offline"] < scores["naive served"] - 5, scores


def test_the_point_in_time_join_scores_offline_what_it_scores_when_served(scores):
    assert scores["pit offline"] == scores["pit served"], scores


def test_the_published_summary_joined_right_still_improves_the_template_model(scores):
    assert scores["pit served"] < scores["template"], scores
