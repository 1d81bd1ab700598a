"""The course's training pipeline as Kubeflow Pipelines (KFP v2) components, run locally.

    ingest -> validate -> train -> evaluate -> gate -> register

    run = run_local(training_pipeline, dict(train_end="2012-01-01", ...), cache=True)
    run.output, run.executed, run.cached          # what it returned, which steps ran
    compile_pipeline(training_pipeline, settings.workspace("pipelines") / "training.yaml")

Each step is a lightweight Python component: KFP copies the function's source into the step's
container and calls it with the step's inputs, so everything a step uses is imported *inside*
the function. The bodies stay short and call `mlops_course.continuous`, which holds the logic.

Locally, `kfp.local` runs every step as a subprocess of this Python (SubprocessRunner with
`use_venv=False`: no containers, no package downloads). On a cluster the same compiled YAML
runs every step in `IMAGE`, an image with the course package installed (hence
`install_kfp_package=False`: KFP is already in it).

Caching. KFP keys a step's cache on its component (image, command and the function's source)
and its inputs (parameter values; for artifacts, their URI and metadata). A step whose result
depends on anything else, a file read by path or the model registry, must either take that
thing's version as an input (ingest takes the data's SHA-256) or opt out of the cache
(evaluate and register read and change the registry).
"""

# No `from __future__ import annotations` here: KFP reads the components' type hints when the
# module is imported and needs real types, not strings.

import contextlib
import io
import logging
import os
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from kfp import compiler, dsl
from kfp.dsl import Dataset, Input, Metrics, Model, Output

IMAGE = os.environ.get("MLOPS_PIPELINE_IMAGE", "registry.example.com/mlops-course/train:0.1.0")
PIPELINE_NAME = "bike-demand-training"


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def ingest(train_end: str, data_sha256: str, dataset: Output[Dataset]) -> int:
    """Load the checksum-verified bike data and keep the hours before `train_end`."""
    from mlops_course import datasets

    card = datasets.card(datasets.BIKE_SHARING)
    if card.files["hour.csv"] != data_sha256:
        raise ValueError(
            f"The pipeline was asked for data version {data_sha256[:12]}, but the bundled file "
            f"is {card.files['hour.csv'][:12]}: pass the data card's checksum."
        )
    frame = datasets.load_bike_sharing()
    rows = frame[frame["timestamp"] < train_end].reset_index(drop=True)
    rows.to_parquet(dataset.path, index=False)
    dataset.metadata.update({"rows": len(rows), "sha256": data_sha256, "train_end": train_end})
    return len(rows)


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def validate(dataset: Input[Dataset], max_missing_share: float) -> int:
    """Stop the run, before any training, if the data breaks its data card."""
    import pandas as pd

    from mlops_course import continuous

    frame = pd.read_parquet(dataset.path)
    problems = continuous.check_data(frame, max_missing_share=max_missing_share)
    if problems:
        raise continuous.DataCheckError("The data breaks its card: " + "; ".join(problems))
    return len(frame)


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def train(
    dataset: Input[Dataset], train_end: str, fast: bool, seed: int, model: Output[Model]
) -> int:
    """Fit the candidate on the training window (the holdout stays unseen); save it."""
    import joblib
    import pandas as pd

    from mlops_course import continuous

    frame = pd.read_parquet(dataset.path)
    rows, _ = continuous.training_window(frame, train_end)
    fitted = continuous.fit_candidate(rows, fast=fast, seed=seed)
    joblib.dump(fitted, model.path)
    model.metadata.update({"train_rows": len(rows), "train_end": train_end, "fast": fast})
    return len(rows)


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def evaluate(
    dataset: Input[Dataset],
    model: Input[Model],
    train_end: str,
    store: str,
    model_name: str,
    metrics: Output[Metrics],
) -> NamedTuple("Scores", candidate_mae=float, baseline_mae=float, champion_mae=float):
    """Score candidate, baseline and the serving champion on the same holdout."""
    from collections import namedtuple

    import joblib
    import pandas as pd

    from mlops_course import continuous, tracking

    frame = pd.read_parquet(dataset.path)
    rows, holdout = continuous.training_window(frame, train_end)
    candidate_mae = continuous.mae(joblib.load(model.path), holdout)
    baseline_mae = continuous.baseline_mae(rows, holdout)
    champion_mae = -1.0  # a KFP parameter cannot be None: negative means "no champion yet"
    try:
        serving = continuous.champion(tracking.local_store(store), model_name)
        champion_mae = continuous.mae(serving.model, holdout)
        metrics.log_metric("champion_mae", champion_mae)
    except continuous.ChampionError:
        pass
    metrics.log_metric("candidate_mae", candidate_mae)
    metrics.log_metric("baseline_mae", baseline_mae)
    scores = namedtuple("Scores", ["candidate_mae", "baseline_mae", "champion_mae"])
    return scores(candidate_mae, baseline_mae, champion_mae)


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def gate(
    candidate_mae: float, baseline_mae: float, champion_mae: float, min_gain: float
) -> NamedTuple("Decision", promote=bool, reason=str):
    """The quality gate: promote only a candidate that beats baseline and champion."""
    from collections import namedtuple

    from mlops_course import continuous

    decision = continuous.gate(candidate_mae, baseline_mae, champion_mae, min_gain=min_gain)
    print("gate:", decision.reason)
    return namedtuple("Decision", ["promote", "reason"])(decision.promote, decision.reason)


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def register(
    model: Input[Model],
    promote: bool,
    reason: str,
    candidate_mae: float,
    baseline_mae: float,
    train_end: str,
    data_sha256: str,
    store: str,
    model_name: str,
) -> str:
    """Log the candidate to MLflow as a new version; move `champion` only if the gate said so."""
    import joblib
    import mlflow

    from mlops_course import continuous, modelling, tracking

    fitted = joblib.load(model.path)
    local = tracking.local_store(store)
    tracking.use_experiment(continuous.EXPERIMENT, local)
    with mlflow.start_run(run_name=f"pipeline-{train_end}") as run:
        mlflow.log_params({"train_end": train_end, "data_sha256": data_sha256,
                           "lookback_months": continuous.LOOKBACK_MONTHS})
        mlflow.log_metrics({"holdout_mae": candidate_mae, "baseline_mae": baseline_mae})
        mlflow.set_tags({"gate.promoted": str(promote).lower(), "gate.reason": reason})
        mlflow.sklearn.log_model(
            fitted, name="model", skops_trusted_types=modelling.TRUSTED_TYPES,
            pip_requirements=tracking.pip_requirements("scikit-learn", "pandas", "skops"),
        )
    version = mlflow.register_model(tracking.model_uri(run.info.run_id), model_name)
    alias = "champion" if promote else "challenger"
    mlflow.MlflowClient().set_registered_model_alias(model_name, alias, version.version)
    return f"version {version.version} is {alias}: {reason}"


@dsl.pipeline(
    name=PIPELINE_NAME,
    description="Bike demand: ingest, validate, train, evaluate, gate and register a candidate.",
)
def training_pipeline(
    train_end: str,
    data_sha256: str,
    store: str,
    model_name: str = "bike-demand",
    fast: bool = False,
    seed: int = 0,
    min_gain: float = 0.0,
    max_missing_share: float = 0.15,
) -> str:
    """Train a candidate on data before `train_end` and let the gate decide; what happened."""
    ingested = ingest(train_end=train_end, data_sha256=data_sha256)
    checked = validate(dataset=ingested.outputs["dataset"], max_missing_share=max_missing_share)
    trained = train(
        dataset=ingested.outputs["dataset"], train_end=train_end, fast=fast, seed=seed
    ).after(checked)  # never train on data that failed validation
    scored = evaluate(
        dataset=ingested.outputs["dataset"], model=trained.outputs["model"],
        train_end=train_end, store=store, model_name=model_name,
    )
    decided = gate(
        candidate_mae=scored.outputs["candidate_mae"], baseline_mae=scored.outputs["baseline_mae"],
        champion_mae=scored.outputs["champion_mae"], min_gain=min_gain,
    )
    registered = register(
        model=trained.outputs["model"], promote=decided.outputs["promote"],
        reason=decided.outputs["reason"], candidate_mae=scored.outputs["candidate_mae"],
        baseline_mae=scored.outputs["baseline_mae"], train_end=train_end,
        data_sha256=data_sha256, store=store, model_name=model_name,
    )
    # Their results depend on the registry, which is not one of their inputs: never cached.
    scored.set_caching_options(enable_caching=False)
    registered.set_caching_options(enable_caching=False)
    return registered.output


def data_version() -> str:
    """The bundled data's SHA-256 from its data card: the pipeline's `data_sha256` input."""
    from mlops_course import datasets

    return datasets.card(datasets.BIKE_SHARING).files["hour.csv"]


def compile_pipeline(pipeline: Callable[..., Any], path: str | Path) -> Path:
    """Compile a pipeline to the YAML that Kubeflow Pipelines and Vertex AI Pipelines accept."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    compiler.Compiler().compile(pipeline, str(path))
    return path


# --- running locally --------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_EXECUTING = re.compile(r"Executing task '([^']+)'")
_CACHED = re.compile(r"Task (\S+) cache hit")
_FINISHED = re.compile(r"Task '([^']+)' finished with status (\w+)")


@dataclass
class PipelineRun:
    """One local run: the pipeline's output, which steps ran or came from the cache, the log."""

    output: Any
    executed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    log: str = ""

    def steps(self) -> dict[str, str]:
        """{step: "ran" | "cached" | "failed"} in the order they happened."""
        status = {name: "ran" for name in self.executed}
        status |= {name: "cached" for name in self.cached}
        status |= {name: "failed" for name in self.failed}
        return status


def init_local(
    pipeline_root: str | Path, *, cache: bool = True, cache_root: str | Path | None = None
) -> None:
    """Point kfp.local at a folder (outputs, and the cache in `<root>/.kfp_cache` by default)."""
    from kfp import local

    local.init(
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=str(pipeline_root),
        enable_caching=cache,
        cache_root=str(cache_root) if cache_root else None,
    )


def run_local(
    pipeline: Callable[..., Any],
    arguments: dict[str, Any],
    *,
    pipeline_root: str | Path | None = None,
    cache: bool = True,
    cache_root: str | Path | None = None,
    log_file: str | Path | None = None,
) -> PipelineRun:
    """Run a pipeline with kfp.local (SubprocessRunner, this Python); its outputs and step log.

    KFP prints every step's inputs and output while it runs; that log is kept (in `run.log`,
    and in `log_file` when given) instead of flooding the notebook. A failed step raises
    `PipelineFailed` with the end of the log.
    """
    from mlops_course import settings

    root = Path(pipeline_root) if pipeline_root else settings.workspace("pipelines")
    init_local(root, cache=cache, cache_root=cache_root)
    scratch = root / ".tmp"  # each step's shell makes a temporary folder (mktemp) for its code
    scratch.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    error: BaseException | None = None
    output = None
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(buffer),
        _log_to(buffer),
        _environment(TMPDIR=str(scratch)),
    ):
        # kfp.local warns when a step's image name lacks "python": locally the steps run in
        # this environment whatever image they name for the cluster.
        warnings.filterwarnings("ignore", message="You may be attemping to run a task")
        try:
            task = pipeline(**arguments)
            output = _output(task)
        except Exception as err:  # noqa: BLE001 - reported below with the step log
            error = err
    text = _ANSI.sub("", buffer.getvalue())
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        Path(log_file).write_text(text, encoding="utf-8")
    run = PipelineRun(output=output, log=text)
    for name in _EXECUTING.findall(text):
        run.executed.append(name)
    run.cached = _CACHED.findall(text)
    run.failed = [name for name, status in _FINISHED.findall(text) if status != "SUCCESS"]
    if error is not None:
        raise PipelineFailed(run, error) from error
    return run


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set environment variables for the steps (subprocesses inherit them), then restore them.

    TMPDIR points the steps' temporary folders into the pipeline root: a sandbox (such as the
    grader's) may not let a student's process write to the system's /tmp.
    """
    before = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _log_to(buffer: io.StringIO) -> Iterator[None]:
    """Send INFO logs to `buffer` while a pipeline runs.

    kfp.local logs each step through its own handler, but a cache hit through the root logger
    as it was (in a notebook: WARNING and above only), so without this a hit leaves no trace.
    """
    root = logging.getLogger()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _output(task: Any) -> Any:
    outputs = getattr(task, "outputs", None) or {}
    if len(outputs) == 1:
        return next(iter(outputs.values()))
    return dict(outputs) if outputs else None


class PipelineFailed(RuntimeError):
    """A local pipeline run failed; the message names the failed step and shows its log."""

    def __init__(self, run: PipelineRun, cause: BaseException) -> None:
        self.run = run
        tail = "\n".join(run.log.strip().splitlines()[-25:])
        failed = ", ".join(run.failed) or "a step"
        cause_text = _ANSI.sub("", str(cause))
        super().__init__(
            f"The pipeline failed in {failed}: {type(cause).__name__}: {cause_text}\n"
            f"Last lines of the log:\n{tail}"
        )
