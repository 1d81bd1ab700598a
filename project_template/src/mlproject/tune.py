"""Tuning: an Optuna study of the model's settings, each trial an MLflow child run.

`python -m mlproject tune --trials 20` (or `make tune TRIALS=20`) runs the whole loop:

    search rows (January-June 2011) -> for each trial: suggest settings, grow the trees
    `step` rounds at a time, report the validation MAE (July-September) after each step,
    stop early if the pruner says so -> best trial refit from its first month to the end of
    September -> scored on the October-December holdout -> the same gate and registration as
    `train`

The search never sees the holdout the gate decides on: choosing settings on the holdout
would make its score optimistic (they were picked because they scored well there).

The study lives in SQLite (`optuna.db` next to the MLflow store), so several worker
processes, or machines sharing one database server, can work on one study: `--workers 2`
starts a second process that joins it by name. One worker with a seed gives the same trials
every run; with several, which trials finish first depends on timing, and the sampler's
next suggestions depend on what has finished, so the list of trials changes from run to run
(each trial's own score, for its settings, does not: the model is seeded).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from mlproject import data, evaluate, registry, train
from mlproject import settings as cfg

if TYPE_CHECKING:  # optuna and mlflow cost seconds to import; the functions import them
    import optuna

log = logging.getLogger(__name__)

# Boosting rounds grown between two reports to the pruner (FAST: 100 rounds in 5 steps).
STEP_FAST = 20
STEP_FULL = 50
# The median pruner waits for this many finished trials before it stops any: with fewer, the
# median of the others is too noisy to judge a trial by.
PRUNER_STARTUP_TRIALS = 3
PARENT_RUN_ATTR = "mlflow_parent_run_id"
# First months of training to try; April still leaves three months before the July validation.
TRAIN_STARTS = ["2011-01-01", "2011-02-01", "2011-03-01", "2011-04-01"]


@dataclass(frozen=True)
class SearchData:
    """The rows a search trains on and the later rows it validates on (both before the holdout)."""

    train: pd.DataFrame
    valid: pd.DataFrame


@dataclass(frozen=True)
class TuneResult:
    """What a tuning run produced: the study, its MLflow parent run, and the gate's verdict."""

    study_name: str
    storage: str
    parent_run_id: str
    best_params: dict[str, Any]
    best_valid_mae: float
    counts: dict[str, int]
    trained: train.TrainResult | None


def suggest(trial: optuna.Trial) -> dict[str, Any]:
    """The search space: where training starts, how fast and how big the trees grow.

    The first month of training is searched because the system grew during 2011: the winter
    months teach a demand level that no longer holds later (walkthrough 01b). Log scales for
    ranges that span an order of magnitude, where 0.02 -> 0.04 matters as much as 0.1 -> 0.2.
    """
    return {
        "train_start": trial.suggest_categorical("train_start", TRAIN_STARTS),
        "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.3, log=True),
        "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 7, 63, log=True),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 5, 100, log=True),
    }


def since(rows: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """The rows from the trial's `train_start` on."""
    return rows[rows[cfg.TIME_COLUMN] >= pd.Timestamp(params["train_start"])]


def search_split(frame: pd.DataFrame, train_end: str | pd.Timestamp) -> SearchData:
    """Rows for the search: the training part of `train.track`'s split, cut again in time.

    `data.training_split` applied twice: the holdout before `train_end` is left alone, and
    the last `data.HOLDOUT_MONTHS` months before it validate the trials.
    """
    train_rows, holdout = data.training_split(frame, train_end)
    search_rows, valid = data.training_split(train_rows, holdout[cfg.TIME_COLUMN].min())
    return SearchData(search_rows, valid)


def build(params: dict[str, Any], seed: int, max_iter: int) -> Any:
    """The project's pipeline (train.build_model) with a trial's settings."""
    model = train.build_model(
        seed=seed,
        max_iter=max_iter,
        learning_rate=params["learning_rate"],
        max_leaf_nodes=params["max_leaf_nodes"],
    )
    return model.set_params(regressor__min_samples_leaf=params["min_samples_leaf"])


def grow_and_report(
    trial: optuna.Trial,
    params: dict[str, Any],
    rows: SearchData,
    *,
    seed: int,
    max_iter: int,
    step: int,
) -> float:
    """Grow the trees `step` rounds at a time, reporting the validation MAE after each step.

    `warm_start` adds rounds to the trees already grown, so the model after the last step is
    the one a single fit with `max_iter` rounds gives (the tests check it). Raises
    optuna.TrialPruned when the pruner judges the trial hopeless.
    """
    import mlflow
    import optuna

    model = build(params, seed, step)
    train_rows = since(rows.train, params)
    encode = model.named_steps["encode"].fit(data.prepare_features(train_rows))
    x_train = encode.transform(data.prepare_features(train_rows))
    x_valid = encode.transform(data.prepare_features(rows.valid))
    y_train, y_valid = data.target(train_rows), data.target(rows.valid)
    regressor = model.named_steps["regressor"].set_params(warm_start=True)
    mae = float("nan")
    for rounds in range(step, max_iter + 1, step):
        regressor.set_params(max_iter=rounds).fit(x_train, y_train)
        predicted = np.clip(regressor.predict(x_valid), 0.0, None)  # as evaluate.predict
        mae = evaluate.regression_metrics(y_valid, predicted)["mae"]
        trial.report(mae, step=rounds)
        mlflow.log_metric("valid_mae", mae, step=rounds)
        # After the last round the work is done: the trial is complete, whatever its score.
        if rounds < max_iter and trial.should_prune():
            raise optuna.TrialPruned(f"validation MAE {mae:.2f} after {rounds} rounds")
    return mae


class Objective:
    """Optuna's objective: one trial = one child run of the search's parent run.

    The child run holds the trial's settings, its validation MAE at every step and its final
    state (COMPLETE or PRUNED), so the MLflow UI shows the search the way Optuna ran it.
    """

    def __init__(
        self, rows: SearchData, parent_run_id: str, *, seed: int, max_iter: int, step: int
    ) -> None:
        self.rows, self.parent_run_id = rows, parent_run_id
        self.seed, self.max_iter, self.step = seed, max_iter, step

    def __call__(self, trial: optuna.Trial) -> float:
        import mlflow
        import optuna

        params = suggest(trial)
        tags = {
            "optuna.study": trial.study.study_name,
            "optuna.trial": str(trial.number),
            "optuna.worker_pid": str(os.getpid()),  # which process ran it
        }
        trial.set_user_attr("worker_pid", os.getpid())
        pruned: optuna.TrialPruned | None = None
        with mlflow.start_run(
            run_name=f"trial-{trial.number}",
            parent_run_id=self.parent_run_id,
            nested=True,
            tags=tags,
        ):
            mlflow.log_params(params | {"seed": self.seed, "max_iter": self.max_iter})
            try:
                with threadpool_limits(limits=1):
                    mae = grow_and_report(
                        trial,
                        params,
                        self.rows,
                        seed=self.seed,
                        max_iter=self.max_iter,
                        step=self.step,
                    )
            except optuna.TrialPruned as err:  # a pruned trial is a finished run, not a failed one
                pruned = err
            mlflow.set_tag("optuna.state", "PRUNED" if pruned else "COMPLETE")
        if pruned is not None:
            raise pruned
        return mae


def default_storage(settings: cfg.Settings) -> str:
    """`sqlite:///.../optuna.db` beside a local MLflow store, else in the project folder."""
    folder = settings.project_dir
    if settings.tracking_uri.startswith("sqlite:///"):
        folder = Path(settings.tracking_uri.removeprefix("sqlite:///")).parent
    return f"sqlite:///{folder / 'optuna.db'}"


def open_study(study_name: str, storage: str, *, seed: int, worker: int = 0) -> optuna.Study:
    """Create the study, or join it if another worker created it first (same name, same DB).

    Each worker seeds its sampler differently (seed + worker): with one seed, every worker
    would draw the same first settings and the study would try them twice.
    """
    import optuna

    return optuna.create_study(
        study_name=study_name,
        storage=storage,
        load_if_exists=True,
        direction="minimize",  # the validation MAE, in rentals per hour
        sampler=optuna.samplers.TPESampler(seed=seed + worker),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=PRUNER_STARTUP_TRIALS),
    )


def work(
    study_name: str,
    storage: str,
    trials: int,
    *,
    worker: int = 0,
    fast: bool | None = None,
    train_end: str | pd.Timestamp = data.REFERENCE_END,
    settings: cfg.Settings | None = None,
) -> None:
    """One worker: run trials of the named study until it holds `trials` trials in all.

    The parent MLflow run is read from the study itself (a user attribute the first worker
    set), so a worker needs only the study's name and storage to join.
    """
    import optuna

    settings = settings or cfg.get_settings()
    fast = settings.fast if fast is None else fast
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = open_study(study_name, storage, seed=settings.seed, worker=worker)
    frame = data.validate(data.load(settings.data_file))
    objective = Objective(
        search_split(frame, train_end),
        study.user_attrs[PARENT_RUN_ATTR],
        seed=settings.seed,
        max_iter=train.MAX_ITER_FAST if fast else train.MAX_ITER_FULL,
        step=STEP_FAST if fast else STEP_FULL,
    )
    registry.configure(settings)
    # Counts trials in every state, running ones included, so N workers stop near `trials`
    # in all (two that start at the same moment may each add one more).
    enough = optuna.study.MaxTrialsCallback(trials, states=None)
    study.optimize(objective, n_trials=trials, callbacks=[enough])


def start_workers(
    study_name: str, storage: str, trials: int, workers: int, fast: bool
) -> list[subprocess.Popen[bytes]]:
    """Start `workers` processes (`mlproject tune --join`) on the study, each its own seed."""
    command = [sys.executable, "-m", "mlproject", "tune", "--join", study_name]
    command += ["--storage", storage, "--trials", str(trials)] + (["--fast"] if fast else [])
    return [subprocess.Popen([*command, "--worker", str(worker)]) for worker in range(workers)]


def run_workers(
    study_name: str,
    storage: str,
    trials: int,
    workers: int,
    *,
    fast: bool,
    train_end: str | pd.Timestamp,
    settings: cfg.Settings,
) -> None:
    """One worker runs here; several run as separate processes (all started alike, so none
    gets a head start), and this process waits for them."""
    if workers == 1:
        work(study_name, storage, trials, fast=fast, train_end=train_end, settings=settings)
        return
    failed = [
        p.args for p in start_workers(study_name, storage, trials, workers, fast) if p.wait() != 0
    ]
    if failed:
        raise RuntimeError(f"tuning workers failed: {failed}")


def counts(study: optuna.Study) -> dict[str, int]:
    """How many trials ended in each state (COMPLETE, PRUNED, FAIL ...)."""
    states = pd.Series([trial.state.name for trial in study.trials], dtype="object")
    return {str(k): int(v) for k, v in states.value_counts().sort_index().items()}


def refit_best(
    best_params: dict[str, Any],
    frame: pd.DataFrame,
    parent_run_id: str,
    *,
    train_end: str | pd.Timestamp,
    fast: bool,
    sha: str,
    settings: cfg.Settings,
) -> train.Candidate:
    """Refit the best settings on the training rows (from its start), score on the holdout.

    The run is a child of the search's parent and holds what `train.track` logs (params,
    metrics, datasets, model), so `train.register` and the gate treat it as any candidate.
    """
    import mlflow

    max_iter = train.MAX_ITER_FAST if fast else train.MAX_ITER_FULL
    train_rows, holdout = data.training_split(frame, train_end)
    train_rows = since(train_rows, best_params)
    model = build(best_params, settings.seed, max_iter)
    with threadpool_limits(limits=settings.threads):
        model.fit(data.prepare_features(train_rows), data.target(train_rows))
        metrics = evaluate.evaluate(model, holdout)
        baseline = evaluate.evaluate(evaluate.HourlyBaseline().fit(train_rows), holdout)
    params = best_params | {
        "model": "HistGradientBoostingRegressor",
        "max_iter": max_iter,
        "seed": settings.seed,
        "fast": fast,
        "train_end": str(pd.Timestamp(train_end).date()),
        "holdout_start": str(holdout[cfg.TIME_COLUMN].min()),
        "n_train": len(train_rows),
        "n_holdout": len(holdout),
        "features": ",".join(cfg.FEATURES),
    }
    logged = {f"holdout_{k}": v for k, v in metrics.items()}
    logged |= {f"baseline_{k}": v for k, v in baseline.items()}
    registry.configure(settings)
    with mlflow.start_run(
        run_name="best-trial-refit", parent_run_id=parent_run_id, nested=True
    ) as run:
        model_uri = train._log_run(
            model, train_rows, holdout, params, logged, sha, str(settings.data_file)
        )
    return train.Candidate(run.info.run_id, model_uri, model, metrics, baseline, params, holdout)


def tune(
    trials: int,
    *,
    workers: int = 1,
    fast: bool | None = None,
    study_name: str | None = None,
    storage: str | None = None,
    train_end: str | pd.Timestamp = data.REFERENCE_END,
    register_model: bool = True,
    settings: cfg.Settings | None = None,
) -> TuneResult:
    """The whole loop (module docstring): study -> workers -> best trial -> gate -> registry.

    Args:
        trials: trials in the study in all, shared among the workers.
        workers: processes working on the study at once (1: this one; more: subprocesses).
        study_name: join or resume this study (default: a new one named after the run).
        storage: an Optuna storage URL (default: `default_storage`).
        register_model: False only tracks (the best trial is still refit and logged).
    """
    import mlflow
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the summary says what matters
    settings = settings or cfg.get_settings()
    fast = settings.fast if fast is None else fast
    storage = storage or default_storage(settings)
    sha = data.verify_checksum(settings.data_file, settings.datacard_file)
    registry.configure(settings)
    with mlflow.start_run(run_name=study_name or "tune") as parent:
        study_name = study_name or f"tune-{parent.info.run_id[:8]}"
        mlflow.set_tags({"optuna.study": study_name, "optuna.storage": storage, "kind": "search"})
        mlflow.log_params({"trials": trials, "workers": workers, "fast": fast})
        study = open_study(study_name, storage, seed=settings.seed)
        study.set_user_attr(PARENT_RUN_ATTR, parent.info.run_id)
        started = time.perf_counter()
        run_workers(
            study_name,
            storage,
            trials,
            workers,
            fast=fast,
            train_end=train_end,
            settings=settings,
        )
        study = open_study(study_name, storage, seed=settings.seed)
        best = study.best_trial
        mlflow.log_params({f"best.{k}": v for k, v in best.params.items()})
        mlflow.log_metrics(
            {
                "best_valid_mae": float(best.value or np.nan),
                "search_seconds": time.perf_counter() - started,
            }
        )
        mlflow.set_tags({f"trials.{k}": str(v) for k, v in counts(study).items()})
        frame = data.validate(data.load(settings.data_file, verify=False))
        candidate = refit_best(
            best.params,
            frame,
            parent.info.run_id,
            train_end=train_end,
            fast=fast,
            sha=sha,
            settings=settings,
        )
    result = None
    if register_model:
        decision = train.gate_against_champion(
            candidate.metrics["mae"], candidate.baseline["mae"], candidate.holdout, settings
        )
        version = train.register(candidate, decision, settings, sha)
        result = train.TrainResult(
            candidate.run_id,
            candidate.model_uri,
            version,
            candidate.metrics,
            candidate.baseline,
            decision,
            candidate.params,
        )
    return TuneResult(
        study_name,
        storage,
        parent.info.run_id,
        dict(best.params),
        float(best.value or np.nan),
        counts(study),
        result,
    )


def summary(result: TuneResult) -> str:
    """A few human lines about a tuning run, for the command line."""
    states = ", ".join(f"{n} {state.lower()}" for state, n in result.counts.items())
    lines = [
        f"study {result.study_name} ({result.storage}): {states}",
        f"best validation MAE {result.best_valid_mae:.2f} with {result.best_params}",
    ]
    if result.trained is not None:
        lines.append(train.summary(result.trained))
    return "\n".join(lines)
