"""Training: fit the model, track the run in MLflow, register it, and let the gate decide.

`python -m mlproject train` (or `make train`) runs the whole loop:

    load + verify + validate data -> time split -> fit -> evaluate on the holdout
    -> log params, metrics, dataset and model to MLflow -> register a new version
    -> quality gate against the champion on the same holdout -> move the alias (or not)

The model is a scikit-learn pipeline that skl2onnx can convert (one-hot encoding + gradient
boosted trees), trained with fixed seeds and one thread, so the same data gives the same
numbers on every machine.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from threadpoolctl import threadpool_limits

from mlproject import data, evaluate, registry
from mlproject import settings as cfg

log = logging.getLogger(__name__)

# Model size: FAST for tests and CI (well under a second to fit), full for real runs.
MAX_ITER_FAST = 100
MAX_ITER_FULL = 300
# Small trees: with 31 leaves the model beats the hourly baseline on the October-December
# holdout by a few hundredths of a bike at 300 rounds and loses to it at 60; with 15 it wins
# by about one bike an hour at both sizes (walkthrough 01b searches these settings).
LEARNING_RATE = 0.1
MAX_LEAF_NODES = 15


@dataclass(frozen=True)
class TrainResult:
    """What one training run produced."""

    run_id: str
    model_uri: str
    version: str | None
    metrics: dict[str, float]
    baseline: dict[str, float]
    decision: registry.GateDecision | None
    params: dict[str, Any] = field(default_factory=dict)


def build_model(
    seed: int = cfg.SEED,
    max_iter: int = MAX_ITER_FULL,
    learning_rate: float = LEARNING_RATE,
    max_leaf_nodes: int = MAX_LEAF_NODES,
) -> Pipeline:
    """The untrained pipeline: one-hot categories + numbers as they are -> boosted trees.

    Trees need no scaling, so numbers pass through. Unknown categories at serving time are
    ignored rather than failing. Early stopping is off because it would hold out a random
    validation slice and make the number of trees depend on it.
    """
    encode = ColumnTransformer(
        [
            (
                "categories",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                cfg.CATEGORICAL_FEATURES,
            ),
            ("numbers", "passthrough", cfg.NUMERIC_FEATURES),
        ]
    )
    regressor = HistGradientBoostingRegressor(
        max_iter=max_iter,
        learning_rate=learning_rate,
        max_leaf_nodes=max_leaf_nodes,
        early_stopping=False,
        random_state=seed,
    )
    return Pipeline([("encode", encode), ("regressor", regressor)])


def fit(
    train: pd.DataFrame, *, seed: int = cfg.SEED, max_iter: int = MAX_ITER_FULL, threads: int = 1
) -> Pipeline:
    """Fit the pipeline on labelled rows.

    `threads` caps OpenMP: one thread is deterministic and, on a small table and a busy
    2-core machine, also the fastest.
    """
    model = build_model(seed=seed, max_iter=max_iter)
    with threadpool_limits(limits=threads):
        model.fit(data.prepare_features(train), data.target(train))
    return model


def _log_run(
    model: Pipeline,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    params: dict[str, Any],
    metrics: dict[str, float],
    data_sha256: str,
    source: str,
) -> str:
    """Log one run to MLflow; return the logged model's URI."""
    import mlflow
    import mlflow.data
    import mlflow.sklearn
    from mlflow.models import infer_signature

    mlflow.log_params(params)
    mlflow.log_metrics(metrics)
    mlflow.set_tags({"data.sha256": data_sha256, "data.file": source})
    with warnings.catch_warnings():
        # Two warnings we cannot act on: MLflow registers its local-file dataset source twice
        # and then warns that a path matches both; and it hints that integer columns cannot
        # hold missing values, which is true of the logged rows but not of the model's input
        # (its signature, below, uses floats).
        warnings.filterwarnings("ignore", message="The specified dataset source can be")
        warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer")
        for context, frame in (("training", train), ("holdout", holdout)):
            dataset = mlflow.data.from_pandas(
                frame, source=source, name=f"bike_sharing_hourly_{context}", targets=cfg.TARGET
            )
            mlflow.log_input(dataset, context=context)
    features = data.prepare_features(holdout.head(5))
    signature = infer_signature(features, model.predict(features))
    info = mlflow.sklearn.log_model(
        model,
        name="model",
        signature=signature,
        input_example=features,
        skops_trusted_types=registry.SKOPS_TRUSTED_TYPES,
        # Listing the requirements saves MLflow from inferring them, which re-imports the
        # model in a subprocess (over ten seconds on a small machine) to see what it imports.
        pip_requirements=model_requirements(),
    )
    return info.model_uri


def model_requirements() -> list[str]:
    """The packages (at their installed versions) needed to load and run the model."""
    from importlib.metadata import version

    packages = ["scikit-learn", "skops", "numpy", "pandas", "mlflow"]
    return [f"{name}=={version(name)}" for name in packages]


@dataclass(frozen=True)
class Candidate:
    """A fitted, evaluated and tracked model, not yet registered."""

    run_id: str
    model_uri: str
    model: Pipeline
    metrics: dict[str, float]
    baseline: dict[str, float]
    params: dict[str, Any]
    holdout: pd.DataFrame


def track(
    frame: pd.DataFrame,
    *,
    train_end: str | pd.Timestamp = data.REFERENCE_END,
    fast: bool | None = None,
    seed: int | None = None,
    max_iter: int | None = None,
    data_sha256: str = "",
    source: str = "",
    settings: cfg.Settings | None = None,
) -> Candidate:
    """Fit on validated rows before `train_end`, evaluate on the holdout, log it all to MLflow.

    Args:
        frame: validated rows (data.validate); only those before `train_end` are used.
        train_end: first hour NOT used; the last `data.HOLDOUT_MONTHS` months before it are
            the holdout.
        fast: a small model for tests and CI (default: MLPROJECT_FAST).
        seed: random seed (default: MLPROJECT_SEED or 42).
        max_iter: number of boosting rounds; overrides `fast`.
        data_sha256, source: the data file's checksum and path, recorded with the run.
    """
    import mlflow

    settings = settings or cfg.get_settings()
    fast = settings.fast if fast is None else fast
    seed = settings.seed if seed is None else seed
    max_iter = max_iter or (MAX_ITER_FAST if fast else MAX_ITER_FULL)
    train_rows, holdout = data.training_split(frame, train_end)

    with threadpool_limits(limits=settings.threads):
        started = time.perf_counter()
        model = fit(train_rows, seed=seed, max_iter=max_iter, threads=settings.threads)
        fit_seconds = time.perf_counter() - started
        metrics = evaluate.evaluate(model, holdout)
        baseline = evaluate.evaluate(evaluate.HourlyBaseline().fit(train_rows), holdout)
    params = {
        "model": "HistGradientBoostingRegressor",
        "max_iter": max_iter,
        "learning_rate": LEARNING_RATE,
        "max_leaf_nodes": MAX_LEAF_NODES,
        "seed": seed,
        "fast": fast,
        "train_end": str(pd.Timestamp(train_end).date()),
        "holdout_start": str(holdout[cfg.TIME_COLUMN].min()),
        "holdout_months": data.HOLDOUT_MONTHS,
        "n_train": len(train_rows),
        "n_holdout": len(holdout),
        "features": ",".join(cfg.FEATURES),
        "threads": settings.threads,
    }
    logged = {f"holdout_{k}": v for k, v in metrics.items()}
    logged.update({f"baseline_{k}": v for k, v in baseline.items()})
    logged["fit_seconds"] = fit_seconds

    registry.configure(settings)
    run_name = f"hgb-{max_iter}-until-{params['train_end']}"
    with threadpool_limits(limits=settings.threads), mlflow.start_run(run_name=run_name) as run:
        model_uri = _log_run(model, train_rows, holdout, params, logged, data_sha256, source)
    return Candidate(run.info.run_id, model_uri, model, metrics, baseline, params, holdout)


def register(
    candidate: Candidate, decision: registry.GateDecision, settings: cfg.Settings, sha: str = ""
) -> str:
    """Register the candidate as a new version, move the alias per the gate, tag the run."""
    import mlflow

    version = registry.register(
        candidate.model_uri, settings, tags={"data.sha256": sha, "run_id": candidate.run_id}
    )
    registry.apply_decision(decision, version, settings)
    client = mlflow.MlflowClient()
    for key, value in {
        "gate.promoted": str(decision.promote).lower(),
        "gate.reason": decision.reason,
        "registered_version": version,
    }.items():
        client.set_tag(candidate.run_id, key, value)
    return version


def train(
    *,
    train_end: str | pd.Timestamp = data.REFERENCE_END,
    fast: bool | None = None,
    seed: int | None = None,
    max_iter: int | None = None,
    register_model: bool = True,
    settings: cfg.Settings | None = None,
) -> TrainResult:
    """The whole loop for one candidate: data -> track -> gate -> register (module docstring).

    `register_model=False` only tracks the run (for experiments you do not want to ship).
    """
    settings = settings or cfg.get_settings()
    sha = data.verify_checksum(settings.data_file, settings.datacard_file)
    frame = data.validate(data.load(settings.data_file, verify=False))
    candidate = track(
        frame,
        train_end=train_end,
        fast=fast,
        seed=seed,
        max_iter=max_iter,
        data_sha256=sha,
        source=str(settings.data_file),
        settings=settings,
    )
    version = decision = None
    if register_model:
        decision = gate_against_champion(
            candidate.metrics["mae"], candidate.baseline["mae"], candidate.holdout, settings
        )
        version = register(candidate, decision, settings, sha)
    return TrainResult(
        candidate.run_id,
        candidate.model_uri,
        version,
        candidate.metrics,
        candidate.baseline,
        decision,
        candidate.params,
    )


def gate_against_champion(
    candidate_mae: float, baseline_mae: float, holdout: pd.DataFrame, settings: cfg.Settings
) -> registry.GateDecision:
    """Score the current champion on the candidate's holdout, then apply the gate."""
    current = registry.champion_version(settings.model_name, settings.model_alias)
    if current is None:
        return registry.gate(candidate_mae, baseline_mae)
    champion = registry.load(settings)
    with threadpool_limits(limits=settings.threads):
        champion_mae = evaluate.evaluate(champion.model, holdout)["mae"]
    return registry.gate(candidate_mae, baseline_mae, champion_mae, champion.version)


def summary(result: TrainResult) -> str:
    """A few human lines about a run, for the command line."""
    lines = [
        f"run {result.run_id}: holdout MAE {result.metrics['mae']:.2f} rentals/hour "
        f"(RMSE {result.metrics['rmse']:.2f}, R² {result.metrics['r2']:.3f}); "
        f"hourly baseline MAE {result.baseline['mae']:.2f}",
    ]
    if result.decision is not None:
        verdict = "PROMOTED to champion" if result.decision.promote else "NOT promoted"
        lines.append(f"version {result.version} {verdict}: {result.decision.reason}")
    return "\n".join(lines)
