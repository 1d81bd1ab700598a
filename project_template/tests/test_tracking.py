"""Tracking and registry tests: what MLflow holds after training, and the quality gate live."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import mlflow
import pytest

from mlproject import data, registry, train
from mlproject import settings as cfg

ROOT = Path(__file__).resolve().parents[1]


def test_a_run_records_params_metrics_the_data_hash_and_the_datasets(trained):
    run = mlflow.MlflowClient().get_run(trained.run_id)
    assert run.data.params["seed"] == str(cfg.SEED)
    assert run.data.params["train_end"] == "2012-01-01"
    assert {"holdout_mae", "holdout_rmse", "holdout_r2", "baseline_mae"} <= set(run.data.metrics)
    assert run.data.tags["data.sha256"] == data.sha256(ROOT / "data" / "hour.csv")
    contexts = {
        tag.value
        for ds in run.inputs.dataset_inputs
        for tag in ds.tags
        if tag.key == "mlflow.data.context"
    }
    assert contexts == {"training", "holdout"}


def test_the_logged_model_has_a_signature_and_an_input_example(trained):
    info = mlflow.models.get_model_info(trained.model_uri)
    assert info.signature.inputs.input_names() == cfg.FEATURES
    assert info.saved_input_example_info is not None


def test_the_artifacts_of_the_local_store_stay_in_its_folder(trained, workspace: Path):
    assert list((workspace / "mlruns").rglob("MLmodel")), "no model files next to mlflow.db"


def test_the_champion_alias_serves_the_first_good_model(trained, champion):
    assert champion.version == trained.version
    assert champion.alias == "champion"


@pytest.mark.slow
def test_the_gate_moves_the_alias_only_for_a_better_candidate():
    settings = dataclasses.replace(cfg.get_settings(), model_name="gate-test")

    weak = train.train(max_iter=3, settings=settings)
    assert not weak.decision.promote and "baseline" in weak.decision.reason
    assert registry.champion_version("gate-test") is None

    first = train.train(max_iter=train.MAX_ITER_FAST, settings=settings)
    assert first.decision.promote

    again = train.train(max_iter=train.MAX_ITER_FAST, settings=settings)
    assert not again.decision.promote, "an identical candidate must not replace the champion"
    assert "not lower than champion" in again.decision.reason
    assert str(registry.champion_version("gate-test").version) == first.version
    client = mlflow.MlflowClient()
    version = client.get_model_version("gate-test", again.version)
    assert version.tags["gate.promoted"] == "false" and "challenger" in version.aliases

    better = train.train(max_iter=120, settings=settings)
    assert better.decision.promote, better.decision.reason
    assert str(registry.champion_version("gate-test").version) == better.version


def test_configure_points_the_registry_at_the_configured_store_too(tmp_path: Path):
    # A registry address left by earlier code in the process (another store, a notebook cell)
    # must not receive the models registered for this one.
    settings = cfg.get_settings()
    mlflow.set_registry_uri(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    try:
        registry.configure(settings)
        assert mlflow.get_registry_uri() == settings.tracking_uri
    finally:
        registry.configure(settings)
