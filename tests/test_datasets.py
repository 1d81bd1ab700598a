"""Datasets: checksums, the loader and the time windows the course relies on (code + data)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from mlops_course import datasets, settings


@pytest.fixture
def copied_datasets(tmp_path, monkeypatch):
    """A private copy of datasets/ that a test may damage."""
    folder = tmp_path / "datasets"
    shutil.copytree(settings.DATASETS_DIR, folder)
    monkeypatch.setattr(settings, "DATASETS_DIR", folder)
    datasets._verified.clear()
    yield folder
    datasets._verified.clear()


def test_every_bundled_dataset_verifies_against_its_card():
    assert datasets.available() == ["bike_sharing", "penguins"]
    for name in datasets.available():
        meta = datasets.verify(name)
        assert meta.licence and meta.files


def test_corrupted_dataset_names_the_file_and_both_hashes(copied_datasets):
    path = copied_datasets / "bike_sharing" / "hour.csv"
    data = bytearray(path.read_bytes())
    data[1000] ^= 0x01  # flip one bit
    path.write_bytes(bytes(data))
    expected = datasets.card("bike_sharing").files["hour.csv"]
    with pytest.raises(datasets.ChecksumError) as err:
        datasets.load_bike_sharing()
    message = str(err.value)
    assert "hour.csv" in message
    assert expected in message
    assert datasets.sha256(path) in message
    assert "git checkout" in message


def test_missing_dataset_file_says_how_to_restore_it(copied_datasets):
    (copied_datasets / "penguins" / "penguins.csv").unlink()
    with pytest.raises(datasets.DatasetError, match="missing.*git checkout"):
        datasets.load_penguins()


def test_unknown_dataset_lists_the_bundled_ones():
    with pytest.raises(datasets.DatasetError, match="bike_sharing"):
        datasets.load("titanic")


@pytest.fixture(scope="module")
def bikes() -> pd.DataFrame:
    return datasets.load_bike_sharing()


def test_bike_sharing_is_sorted_hourly_and_unique(bikes):
    assert len(bikes) == 17_379
    assert bikes["timestamp"].is_monotonic_increasing
    assert bikes["timestamp"].is_unique
    assert (bikes["timestamp"].dt.hour == bikes["hr"]).all()


def test_bike_sharing_matches_its_schema(bikes):
    """Data layer: every column in its declared range and category set."""
    schema = datasets.card("bike_sharing").schema
    for column, spec in schema.items():
        values = bikes[column]
        if not spec.get("nullable"):
            assert values.notna().all(), f"{column} has missing values"
        low, high = (spec.get("range") or [None, None])
        if low is not None:
            assert values.min() >= low, column
        if high is not None:
            assert values.max() <= high, column


def test_weather_is_the_only_column_with_missing_values(bikes):
    missing = bikes.isna().sum()
    assert missing[missing > 0].to_dict() == {"weathersit": 1258}


def test_rentals_add_up(bikes):
    assert (bikes["casual"] + bikes["registered"] == bikes["cnt"]).all()


def test_reference_period_is_2011(bikes):
    ref = datasets.reference_period(bikes)
    assert ref["timestamp"].dt.year.unique().tolist() == [2011]
    assert len(ref) == (bikes["yr"] == 0).sum()


@pytest.mark.parametrize("freq", ["MS", "W-MON", "QS"])
def test_production_windows_are_disjoint_ordered_and_cover_2012(bikes, freq):
    windows = datasets.production_windows(bikes, freq=freq)
    assert windows[0].start == pd.Timestamp("2012-01-01")
    assert windows[-1].end == pd.Timestamp("2013-01-01")
    for before, after in zip(windows, windows[1:], strict=False):
        assert before.end == after.start  # contiguous, hence disjoint and ordered
    for window in windows:
        ts = window.data["timestamp"]
        assert ((ts >= window.start) & (ts < window.end)).all()
    assert sum(len(w) for w in windows) == (bikes["yr"] == 1).sum()


def test_monthly_windows_are_named_by_month(bikes):
    names = [w.name for w in datasets.production_windows(bikes)]
    assert names == [f"2012-{m:02d}" for m in range(1, 13)]


def test_penguins_load_with_categories():
    penguins = datasets.load_penguins()
    assert penguins.shape == (344, 8)
    assert set(penguins["species"].cat.categories) == {"Adelie", "Chinstrap", "Gentoo"}
