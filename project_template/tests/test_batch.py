"""Batch scoring: every hour of the period, the model version on every row, the same file twice.

Code tests (the period, the atomic write) need no model; the rest score with the session's
champion from the registry, as `mlproject score-batch` does.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlproject import atomic, batch, cli, data, evaluate, registry
from mlproject import settings as cfg

# ------------------------------------------------------------------ code


def test_the_period_includes_the_whole_last_day():
    start, end = batch.period("2012-06-01", "2012-06-30")
    assert (start, end) == (pd.Timestamp("2012-06-01"), pd.Timestamp("2012-07-01"))


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(data.DataError, match="before"):
        batch.period("2012-06-02", "2012-06-01")


def test_an_atomic_write_that_fails_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    target = tmp_path / "out.bin"
    atomic.write_atomically(target, b"old")

    def disk_full(fd: int) -> None:  # the new bytes are written, but never reach the disk
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "fsync", disk_full)
    with pytest.raises(OSError, match="disk full"):
        atomic.write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_an_atomic_write_replaces_the_file_readably(tmp_path: Path):
    target = tmp_path / "sub" / "out.bin"
    atomic.write_atomically(target, b"one")
    atomic.write_atomically(target, b"two")
    assert target.read_bytes() == b"two"
    assert target.stat().st_mode & 0o444 == 0o444


# ------------------------------------------------------------------ data and model


@pytest.fixture(scope="module")
def scored(trained, frame: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("batch") / "june.parquet"
    result = batch.score_batch("2012-06-01", "2012-06-30", path, frame=frame)
    return result, pd.read_parquet(path)


def test_every_hour_of_the_period_in_the_data_is_scored_once_in_time_order(scored, frame):
    result, table = scored
    expected = data.between(frame, pd.Timestamp("2012-06-01"), pd.Timestamp("2012-07-01"))
    assert result.rows == len(table) == len(expected) > 0
    assert table[cfg.TIME_COLUMN].is_unique and table[cfg.TIME_COLUMN].is_monotonic_increasing
    assert table[cfg.TIME_COLUMN].tolist() == expected[cfg.TIME_COLUMN].tolist()
    assert table[cfg.TIME_COLUMN].max() == pd.Timestamp("2012-06-30 23:00")


def test_every_row_names_the_version_the_alias_pointed_to(scored):
    _, table = scored
    version = registry.champion_version("mlproject", "champion")
    assert set(table["model_version"]) == {str(version.version)}
    assert set(table["model_name"]) == {"mlproject"}
    assert set(table["model_alias"]) == {"champion"}


def test_the_predictions_are_the_champions_on_those_hours(scored, champion, frame):
    _, table = scored
    rows = data.between(frame, pd.Timestamp("2012-06-01"), pd.Timestamp("2012-07-01"))
    np.testing.assert_array_equal(table[batch.PREDICTION], evaluate.predict(champion.model, rows))
    assert (table[batch.PREDICTION] >= 0).all()


def test_scoring_the_same_period_twice_gives_a_byte_identical_file(trained, frame, tmp_path):
    first = batch.score_batch("2012-03-10", "2012-03-12", tmp_path / "a.parquet", frame=frame)
    again = batch.score_batch("2012-03-10", "2012-03-12", tmp_path / "a.parquet", frame=frame)
    other = batch.score_batch("2012-03-10", "2012-03-12", tmp_path / "b.parquet", frame=frame)
    assert first.path.read_bytes() == again.path.read_bytes() == other.path.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.parquet", "b.parquet"]


def test_shuffled_input_rows_give_the_same_file(trained, frame, tmp_path):
    shuffled = frame.sample(frac=1.0, random_state=7).reset_index(drop=True)
    ordered = batch.score_batch("2012-05-01", "2012-05-03", tmp_path / "o.parquet", frame=frame)
    mixed = batch.score_batch("2012-05-01", "2012-05-03", tmp_path / "s.parquet", frame=shuffled)
    assert ordered.path.read_bytes() == mixed.path.read_bytes()


def test_a_period_without_data_names_the_range_the_data_covers(trained, frame, tmp_path):
    with pytest.raises(data.DataError, match="No hours between 2014-01-01"):
        batch.score_batch("2014-01-01", "2014-01-02", tmp_path / "x.parquet", frame=frame)


def test_the_batch_scores_with_the_version_even_if_the_alias_moves_later(trained, tmp_path):
    settings = cfg.get_settings()
    pinned = batch.load_pinned(settings)
    assert pinned.version == str(registry.champion_version("mlproject").version)
    with pytest.raises(registry.RegistryError, match="no-such-alias"):
        batch.load_pinned(dataclasses.replace(settings, model_alias="no-such-alias"))


def test_the_command_writes_where_it_is_told_and_says_which_version(trained, tmp_path, capsys):
    output = tmp_path / "cli.parquet"
    assert cli.main(["score-batch", "--from", "2012-12-30", "--to", "2012-12-31",
                     "--output", str(output)]) == 0  # fmt: skip
    table = pd.read_parquet(output)
    assert len(table) == 48 and table["model_version"].nunique() == 1
    assert f"version {table['model_version'][0]}" in capsys.readouterr().out


def test_the_command_reports_a_bad_period_as_one_line(tmp_path, capsys):
    assert cli.main(["score-batch", "--from", "2012-06-02", "--to", "2012-06-01"]) == 1
    assert "before" in capsys.readouterr().err


# ------------------------------------------------------------------ the pipeline step


def test_the_batch_pipeline_compiles_to_one_uncached_step_in_the_training_image(tmp_path):
    import yaml
    from kfp import components

    from mlproject import pipeline

    path = pipeline.compile_pipeline(tmp_path / "batch.yaml", pipeline.batch_scoring_pipeline)
    loaded = components.load_component_from_file(str(path))
    assert loaded.name == pipeline.BATCH_PIPELINE_NAME
    assert {"date_from", "date_to", "tracking_uri", "data_sha256"} <= set(
        loaded.component_spec.inputs
    )
    spec = yaml.safe_load(path.read_text())
    tasks = spec["root"]["dag"]["tasks"]
    assert list(tasks) == ["score-batch"]
    assert not tasks["score-batch"]["cachingOptions"].get("enableCache", False)
    images = {e["container"]["image"] for e in spec["deploymentSpec"]["executors"].values()}
    assert images == {pipeline.IMAGE}


@pytest.mark.slow
def test_the_pipeline_step_writes_the_same_file_as_the_command(trained, frame, tmp_path):
    from mlproject import pipeline

    settings = dataclasses.replace(cfg.get_settings(), pipeline_root=tmp_path / "runs")
    artifact = pipeline.run_batch_local("2012-07-01", "2012-07-02", settings=settings)
    command = batch.score_batch("2012-07-01", "2012-07-02", tmp_path / "cli.parquet", frame=frame)
    assert artifact.read_bytes() == command.path.read_bytes()
