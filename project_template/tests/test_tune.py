"""Tuning tests: the search's data, the trials as MLflow child runs, pruning, a study shared by
two processes, determinism, and the best trial going through the same gate as `train`."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import mlflow
import optuna
import pandas as pd
import pytest

from mlproject import data, evaluate, registry, train, tune
from mlproject import settings as cfg

PARAMS = {
    "train_start": "2011-03-01",
    "learning_rate": 0.1,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 20,
}


def test_the_search_validates_after_its_training_rows_and_never_sees_the_holdout(frame):
    rows = tune.search_split(frame, data.REFERENCE_END)
    _, holdout = data.training_split(frame, data.REFERENCE_END)
    assert rows.train[cfg.TIME_COLUMN].max() < rows.valid[cfg.TIME_COLUMN].min()
    assert rows.valid[cfg.TIME_COLUMN].max() < holdout[cfg.TIME_COLUMN].min()
    assert len(rows.valid) > 1000, "three months of hours validate each trial"


def test_growing_the_trees_in_steps_gives_the_model_of_one_fit(frame):
    rows = tune.search_split(frame, data.REFERENCE_END)
    with mlflow.start_run(run_name="steps-test"):  # the steps are logged as a metric
        stepped = tune.grow_and_report(
            optuna.trial.FixedTrial(PARAMS), PARAMS, rows, seed=cfg.SEED, max_iter=40, step=20
        )
    model = tune.build(PARAMS, cfg.SEED, 40)
    start = rows.train[rows.train[cfg.TIME_COLUMN] >= pd.Timestamp(PARAMS["train_start"])]
    model.fit(data.prepare_features(start), data.target(start))
    assert stepped == pytest.approx(evaluate.evaluate(model, rows.valid)["mae"], abs=1e-9)


@pytest.fixture(scope="module")
def tuned(workspace):
    """One FAST search of 8 trials in this process, its best trial gated under its own name."""
    settings = dataclasses.replace(cfg.get_settings(), model_name="tune-test")
    return tune.tune(8, fast=True, settings=settings)


def _study(result: tune.TuneResult) -> optuna.Study:
    return optuna.load_study(study_name=result.study_name, storage=result.storage)


def test_every_trial_is_a_child_run_of_the_search_with_its_state_and_steps(tuned):
    study = _study(tuned)
    runs = mlflow.search_runs(
        experiment_names=[cfg.get_settings().experiment],
        filter_string=f"tags.mlflow.parentRunId = '{tuned.parent_run_id}'",
    )
    trials = runs[runs["tags.optuna.trial"].notna()].set_index("tags.optuna.trial")
    assert len(trials) == len(study.trials) >= 8
    client = mlflow.MlflowClient()
    for trial in study.trials:
        run = trials.loc[str(trial.number)]
        assert run["tags.optuna.state"] == trial.state.name
        assert float(run["params.learning_rate"]) == pytest.approx(trial.params["learning_rate"])
        steps = [m.step for m in client.get_metric_history(run["run_id"], "valid_mae")]
        assert steps == sorted(trial.intermediate_values), "one MLflow step per report"


def test_the_pruner_stops_some_trials_before_their_last_round(tuned):
    study = _study(tuned)
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    assert pruned, f"no trial pruned: {tuned.counts}"
    assert all(max(t.intermediate_values) < train.MAX_ITER_FAST for t in pruned)
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert all(max(t.intermediate_values) == train.MAX_ITER_FAST for t in complete)


def test_the_best_trial_goes_through_the_gate_train_uses(tuned):
    result = tuned.trained
    assert result is not None and result.decision is not None
    assert result.params["train_start"] == tuned.best_params["train_start"]
    expected = registry.gate(result.metrics["mae"], result.baseline["mae"])  # no champion yet
    assert result.decision == expected
    alias = "champion" if expected.promote else registry.CHALLENGER_ALIAS
    version = registry.champion_version("tune-test", alias)
    assert version is not None and str(version.version) == result.version
    assert version.tags["gate.reason"] == expected.reason


@pytest.mark.slow
def test_a_seeded_search_in_one_process_tries_the_same_settings_every_run(tuned):
    again = tune.tune(8, fast=True, register_model=False)
    first, second = _study(tuned).trials, _study(again).trials
    assert [t.params for t in first] == [t.params for t in second]
    assert [t.state for t in first] == [t.state for t in second]
    assert [t.value for t in first] == pytest.approx([t.value for t in second])


@pytest.mark.slow
def test_two_worker_processes_share_one_study_through_sqlite(workspace):
    storage = f"sqlite:///{workspace / 'shared-optuna.db'}"
    command = [sys.executable, "-m", "mlproject", "tune", "--trials", "12", "--workers", "2"]
    command += ["--fast", "--no-register", "--storage", storage, "--study", "shared"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    trials = optuna.load_study(study_name="shared", storage=storage).trials
    assert 12 <= len(trials) <= 13, "the workers stop near the total (one may add one more)"
    workers = {t.user_attrs["worker_pid"] for t in trials}
    assert len(workers) == 2, f"trials ran in {len(workers)} process(es), expected two"
    assert len({t.number for t in trials}) == len(trials), "no trial number given twice"
