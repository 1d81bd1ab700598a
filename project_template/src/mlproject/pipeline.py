"""Pipeline: the training loop as Kubeflow Pipelines (KFP v2) components.

    ingest -> validate -> train -> evaluate -> gate -> register

Each step is a lightweight Python component: KFP ships the function's source to the step's
container and calls it with the step's inputs. The functions only parse arguments and call
the package (`mlproject.data`, `.train`, `.registry`), so the pipeline and `make train` run
the same code. Two ways to run it:

* locally, without containers: `python -m mlproject pipeline run` uses `kfp.local` with a
  SubprocessRunner in this environment (each step is a subprocess of this Python);
* on a cluster: `python -m mlproject pipeline compile` writes `pipeline.yaml`, which Kubeflow
  Pipelines or Vertex AI Pipelines accept; every step then runs in the training image
  (MLPROJECT_PIPELINE_IMAGE, built from docker/train.Dockerfile), which has this package
  and KFP installed (hence `install_kfp_package=False`).

Steps that read or change the registry (evaluate, gate, register) opt out of KFP's cache:
their result depends on the registry's state, which is not one of their inputs.

A second, one-step pipeline scores a period in batch (`batch_scoring_pipeline`): the
champion predicts every hour from `date_from` to `date_to` into a Parquet artifact, with the
model version on every row (`mlproject.batch`, the same code as `mlproject score-batch`). It
runs on its own schedule, after training has moved the alias, and never from the cache: the
champion it reads is not one of its inputs.
"""

# No `from __future__ import annotations` here: KFP reads the components' type hints at
# import time and needs real types, not strings.

import os
import warnings
from pathlib import Path
from typing import Any, NamedTuple

from kfp import compiler, dsl
from kfp.dsl import Dataset, Input, Metrics, Model, Output

from mlproject import settings as cfg

PIPELINE_NAME = "mlproject-training"
BATCH_PIPELINE_NAME = "mlproject-batch-scoring"
# A placeholder: set MLPROJECT_PIPELINE_IMAGE to the image you build and push.
IMAGE = os.environ.get(
    "MLPROJECT_PIPELINE_IMAGE", "registry.example.com/your-org/mlproject-train:0.1.0"
)


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def ingest(source: str, data_sha256: str, train_end: str, dataset: Output[Dataset]) -> str:
    """Verify the source file's checksum and keep the rows before `train_end`.

    `data_sha256` is the data version the run asks for. It is an input so that KFP's cache
    key follows the data, not the file's path: a new delivery at the same path has a new
    checksum, so ingest (and everything after it) runs again. Empty: take the data card's.
    """
    from pathlib import Path

    from mlproject import data

    path = Path(source)
    sha256 = data.verify_checksum(path, path.parent / "datacard.md")
    if data_sha256 and sha256 != data_sha256:
        raise data.ChecksumError(
            f"{path} is version {sha256[:12]}, but the run asked for {data_sha256[:12]}: "
            "pass the checksum of the data you mean to train on."
        )
    frame = data.load(path, verify=False)
    frame = frame[frame["timestamp"] < train_end]
    frame.to_csv(dataset.path, index=False)
    dataset.metadata.update({"sha256": sha256, "rows": len(frame), "train_end": train_end})
    return sha256


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def validate(dataset: Input[Dataset]) -> int:
    """Fail the run (before any training) if the data breaks the schema."""
    from pathlib import Path

    from mlproject import data

    return len(data.validate(data.load(Path(dataset.path), verify=False)))


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def train(
    dataset: Input[Dataset],
    sha256: str,
    train_end: str,
    fast: bool,
    seed: int,
    tracking_uri: str,
    model_name: str,
    alias: str,
    model: Output[Model],
) -> NamedTuple("TrainOutputs", run_id=str, model_uri=str):
    """Fit, evaluate on the holdout and track the run in MLflow (no registration yet)."""
    from collections import namedtuple
    from pathlib import Path

    from mlproject import data
    from mlproject import train as training
    from mlproject.settings import for_pipeline_step

    settings = for_pipeline_step(tracking_uri, model_name, alias)
    frame = data.load(Path(dataset.path), verify=False)
    candidate = training.track(
        frame,
        train_end=train_end,
        fast=fast,
        seed=seed,
        data_sha256=sha256,
        source=dataset.uri,
        settings=settings,
    )
    Path(model.path).write_text(candidate.model_uri + "\n", encoding="utf-8")
    model.metadata.update({"mlflow_model_uri": candidate.model_uri, "run_id": candidate.run_id})
    outputs = namedtuple("TrainOutputs", ["run_id", "model_uri"])
    return outputs(candidate.run_id, candidate.model_uri)


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def evaluate(
    dataset: Input[Dataset],
    train_end: str,
    model_uri: str,
    tracking_uri: str,
    model_name: str,
    alias: str,
    metrics: Output[Metrics],
) -> NamedTuple(
    "EvaluateOutputs",
    candidate_mae=float,
    baseline_mae=float,
    champion_mae=float,
    champion_version=str,
):
    """Score candidate, hourly baseline and current champion on the same holdout."""
    from collections import namedtuple
    from pathlib import Path

    import mlflow.sklearn

    from mlproject import data, evaluate, registry
    from mlproject.settings import for_pipeline_step

    settings = for_pipeline_step(tracking_uri, model_name, alias)
    frame = data.load(Path(dataset.path), verify=False)
    train_rows, holdout = data.training_split(frame, train_end)
    registry.configure(settings)
    candidate_mae = evaluate.evaluate(mlflow.sklearn.load_model(model_uri), holdout)["mae"]
    baseline = evaluate.HourlyBaseline().fit(train_rows)
    baseline_mae = evaluate.evaluate(baseline, holdout)["mae"]
    champion_mae, champion_version = -1.0, ""  # KFP parameters cannot be None
    if registry.champion_version(model_name, alias) is not None:
        champion = registry.load(settings)
        champion_mae = evaluate.evaluate(champion.model, holdout)["mae"]
        champion_version = champion.version
        metrics.log_metric("champion_mae", champion_mae)
    metrics.log_metric("candidate_mae", candidate_mae)
    metrics.log_metric("baseline_mae", baseline_mae)
    outputs = namedtuple(
        "EvaluateOutputs", ["candidate_mae", "baseline_mae", "champion_mae", "champion_version"]
    )
    return outputs(candidate_mae, baseline_mae, champion_mae, champion_version)


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def gate(
    candidate_mae: float, baseline_mae: float, champion_mae: float, champion_version: str
) -> NamedTuple("GateOutputs", promote=bool, reason=str):
    """The quality gate (mlproject.registry.gate) on the evaluate step's numbers."""
    from collections import namedtuple

    from mlproject import registry

    decision = registry.gate(
        candidate_mae,
        baseline_mae,
        champion_mae if champion_mae >= 0 else None,
        champion_version or None,
    )
    print(f"gate: promote={decision.promote}: {decision.reason}")
    return namedtuple("GateOutputs", ["promote", "reason"])(decision.promote, decision.reason)


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def register(
    model_uri: str,
    run_id: str,
    sha256: str,
    promote: bool,
    reason: str,
    candidate_mae: float,
    baseline_mae: float,
    tracking_uri: str,
    model_name: str,
    alias: str,
) -> str:
    """Register the candidate as a new version; move the alias only if the gate said so."""
    from mlproject import registry
    from mlproject.settings import for_pipeline_step

    settings = for_pipeline_step(tracking_uri, model_name, alias)
    decision = registry.GateDecision(promote, reason, candidate_mae, baseline_mae)
    version = registry.register(model_uri, settings, tags={"data.sha256": sha256, "run_id": run_id})
    registry.apply_decision(decision, version, settings)
    verdict = f"promoted to {alias}" if promote else f"kept as {registry.CHALLENGER_ALIAS}"
    return f"version {version} {verdict}: {reason}"


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def score_batch(
    source: str,
    data_sha256: str,
    date_from: str,
    date_to: str,
    tracking_uri: str,
    model_name: str,
    alias: str,
    predictions: Output[Dataset],
) -> str:
    """Score every hour of the period with the alias's model; return the version used."""
    from pathlib import Path

    from mlproject import batch, data
    from mlproject.settings import for_pipeline_step

    settings = for_pipeline_step(tracking_uri, model_name, alias)
    path = Path(source)
    sha256 = data.verify_checksum(path, path.parent / "datacard.md")
    if data_sha256 and sha256 != data_sha256:
        raise data.ChecksumError(
            f"{path} is version {sha256[:12]}, but the run asked for {data_sha256[:12]}."
        )
    frame = data.validate(data.load(path, verify=False))
    result = batch.score_batch(
        date_from, date_to, Path(predictions.path), settings=settings, frame=frame
    )
    predictions.metadata.update(
        {
            "rows": result.rows,
            "model_name": result.model_name,
            "model_version": result.model_version,
            "data.sha256": sha256,
        }
    )
    return result.model_version


@dsl.pipeline(
    name=PIPELINE_NAME,
    description="Bike-rental demand: ingest, validate, train, evaluate, gate and register.",
)
def training_pipeline(
    source: str,
    tracking_uri: str,
    data_sha256: str = "",
    train_end: str = "2012-01-01",
    fast: bool = False,
    seed: int = cfg.SEED,
    model_name: str = "mlproject",
    alias: str = "champion",
) -> str:
    """The continuous-training pipeline; returns what the register step did."""
    ingested = ingest(source=source, data_sha256=data_sha256, train_end=train_end)
    checked = validate(dataset=ingested.outputs["dataset"])
    trained = train(
        dataset=ingested.outputs["dataset"],
        sha256=ingested.outputs["Output"],
        train_end=train_end,
        fast=fast,
        seed=seed,
        tracking_uri=tracking_uri,
        model_name=model_name,
        alias=alias,
    ).after(checked)  # no training on data that failed validation
    scored = evaluate(
        dataset=ingested.outputs["dataset"],
        train_end=train_end,
        model_uri=trained.outputs["model_uri"],
        tracking_uri=tracking_uri,
        model_name=model_name,
        alias=alias,
    )
    decided = gate(
        candidate_mae=scored.outputs["candidate_mae"],
        baseline_mae=scored.outputs["baseline_mae"],
        champion_mae=scored.outputs["champion_mae"],
        champion_version=scored.outputs["champion_version"],
    )
    registered = register(
        model_uri=trained.outputs["model_uri"],
        run_id=trained.outputs["run_id"],
        sha256=ingested.outputs["Output"],
        promote=decided.outputs["promote"],
        reason=decided.outputs["reason"],
        candidate_mae=scored.outputs["candidate_mae"],
        baseline_mae=scored.outputs["baseline_mae"],
        tracking_uri=tracking_uri,
        model_name=model_name,
        alias=alias,
    )
    for task in (scored, decided, registered):
        task.set_caching_options(enable_caching=False)
    return registered.output


@dsl.pipeline(
    name=BATCH_PIPELINE_NAME,
    description="Bike-rental demand: the champion scores every hour of a period into Parquet.",
)
def batch_scoring_pipeline(
    source: str,
    tracking_uri: str,
    date_from: str,
    date_to: str,
    data_sha256: str = "",
    model_name: str = "mlproject",
    alias: str = "champion",
) -> Dataset:
    """Batch scoring as a pipeline; returns the predictions (Parquet) as an artifact."""
    scored = score_batch(
        source=source,
        data_sha256=data_sha256,
        date_from=date_from,
        date_to=date_to,
        tracking_uri=tracking_uri,
        model_name=model_name,
        alias=alias,
    )
    scored.set_caching_options(enable_caching=False)  # the champion is not an input
    return scored.outputs["predictions"]


def compile_pipeline(path: Path, pipeline_func: Any = None) -> Path:
    """Write a pipeline's spec (YAML; the training pipeline by default) for KFP or Vertex AI."""
    path.parent.mkdir(parents=True, exist_ok=True)
    compiler.Compiler().compile(pipeline_func or training_pipeline, str(path))
    return path


def batch_arguments(settings: cfg.Settings, date_from: str, date_to: str) -> dict[str, Any]:
    """The batch-scoring pipeline's arguments for these settings and period."""
    from mlproject import data

    return dict(
        source=str(settings.data_file),
        tracking_uri=settings.tracking_uri,
        date_from=date_from,
        date_to=date_to,
        data_sha256=data.verify_checksum(settings.data_file, settings.datacard_file),
        model_name=settings.model_name,
        alias=settings.model_alias,
    )


def arguments(
    settings: cfg.Settings,
    *,
    train_end: str = "2012-01-01",
    fast: bool | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """The pipeline's arguments for these settings; the data version from the data card."""
    from mlproject import data

    return dict(
        source=str(settings.data_file),
        tracking_uri=settings.tracking_uri,
        data_sha256=data.verify_checksum(settings.data_file, settings.datacard_file),
        train_end=train_end,
        fast=settings.fast if fast is None else fast,
        seed=settings.seed if seed is None else seed,
        model_name=settings.model_name,
        alias=settings.model_alias,
    )


def run_local(
    *,
    train_end: str = "2012-01-01",
    fast: bool | None = None,
    seed: int | None = None,
    settings: cfg.Settings | None = None,
) -> str:
    """Run the pipeline here with kfp.local (no containers); return the register step's answer.

    Outputs of every step land under the pipeline root (default `local_outputs/`).
    """
    settings = settings or cfg.get_settings()
    args = arguments(settings, train_end=train_end, fast=fast, seed=seed)
    return str(_run_here(training_pipeline, args, settings).output)


def run_batch_local(date_from: str, date_to: str, *, settings: cfg.Settings | None = None) -> Path:
    """Run the batch-scoring pipeline here with kfp.local; return the Parquet file it wrote."""
    settings = settings or cfg.get_settings()
    task = _run_here(
        batch_scoring_pipeline, batch_arguments(settings, date_from, date_to), settings
    )
    return Path(task.output.path)


def _run_here(pipeline_func: Any, args: dict[str, Any], settings: cfg.Settings) -> Any:
    """One local run with kfp.local, outputs under the settings' pipeline root."""
    from kfp import local

    local.init(
        # use_venv=False: run steps with this interpreter, which has mlproject installed,
        # instead of building a fresh virtualenv (and downloading packages) per step.
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=str(settings.pipeline_root),
    )
    with warnings.catch_warnings():
        # kfp.local warns when a step's image name lacks "python"; ours is the training image,
        # and locally the steps run in this environment anyway.
        warnings.filterwarnings("ignore", message="You may be attemping to run a task")
        return pipeline_func(**args)
