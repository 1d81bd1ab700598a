"""Data tests: the real file, its checksum, its schema, and the time splits built on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from mlproject import data
from mlproject import settings as cfg

ROOT = Path(__file__).resolve().parents[1]


def test_the_data_file_matches_the_checksum_in_its_data_card():
    card = data.read_datacard(ROOT / "data" / "datacard.md")
    assert data.sha256(ROOT / "data" / "hour.csv") == card["files"]["hour.csv"]


def test_the_real_file_passes_schema_range_and_null_validation(frame: pd.DataFrame):
    assert len(frame) == 17_379
    assert frame[cfg.TIME_COLUMN].is_monotonic_increasing


def test_weathersit_is_the_only_column_with_missing_values_as_the_data_card_says(frame):
    missing = frame.isna().sum()
    assert missing[missing > 0].to_dict() == {"weathersit": 1258}


def test_a_damaged_copy_is_refused_with_both_hashes(tmp_path: Path):
    shutil.copy(ROOT / "data" / "datacard.md", tmp_path)
    damaged = tmp_path / "hour.csv"
    damaged.write_bytes((ROOT / "data" / "hour.csv").read_bytes().replace(b",16\n", b",17\n", 1))
    with pytest.raises(data.ChecksumError) as err:
        data.load(damaged)
    message = str(err.value)
    assert data.read_datacard(ROOT / "data" / "datacard.md")["files"]["hour.csv"] in message
    assert data.sha256(damaged) in message


def test_every_broken_rule_is_reported_at_once_with_examples(frame: pd.DataFrame):
    broken = frame.head(50).copy()
    broken.loc[3, "hr"] = 30
    broken.loc[5, "temp"] = None
    broken.loc[7, "cnt"] = broken.loc[7, "cnt"] + 1
    broken.loc[9, "weathersit"] = "Snowstorm"
    with pytest.raises(data.DataValidationError) as err:
        data.validate(broken)
    message = str(err.value)
    for expected in ("hr", "30", "temp", "not_nullable", "cnt == casual + registered", "Snowstorm"):
        assert expected in message, f"{expected!r} missing from:\n{message}"


def test_an_unexpected_column_is_a_change_of_contract(frame: pd.DataFrame):
    with pytest.raises(data.DataValidationError, match="column_in_schema.*'extra'"):
        data.validate(frame.head(10).assign(extra=1))


def test_every_holdout_hour_comes_after_every_training_hour(frame: pd.DataFrame):
    train, holdout = data.training_split(frame, "2012-01-01")
    assert train[cfg.TIME_COLUMN].max() < holdout[cfg.TIME_COLUMN].min()
    assert holdout[cfg.TIME_COLUMN].min() == pd.Timestamp("2011-10-01")
    assert holdout[cfg.TIME_COLUMN].max() < pd.Timestamp("2012-01-01")


def test_a_train_end_outside_the_data_is_explained(frame: pd.DataFrame):
    with pytest.raises(data.DataError, match="pick a date between"):
        data.training_split(frame, "2011-02-01")


def test_production_windows_are_the_twelve_months_of_2012_without_gaps_or_overlap(frame):
    windows = data.production_windows(frame)
    assert [w.name for w in windows] == [f"2012-{m:02d}" for m in range(1, 13)]
    assert sum(len(w) for w in windows) == len(frame) - len(data.reference(frame))
    for before, after in zip(windows, windows[1:], strict=False):
        assert before.end == after.start


def test_an_unknown_window_name_lists_the_valid_ones(frame: pd.DataFrame):
    with pytest.raises(data.DataError, match="2012-01"):
        data.window(frame, "2013-01")
