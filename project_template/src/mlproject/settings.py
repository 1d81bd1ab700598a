"""Configuration in one place: paths, names and knobs, each overridable from the environment.

Twelve-factor style: code reads settings from the environment, so the same image runs on a
laptop, in CI and in a cluster with different `MLPROJECT_*` variables and no code change.
`get_settings()` reads the environment each time it is called, so tests can change a variable
and see the effect without reloading modules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "mlproject"
ENV_PREFIX = "MLPROJECT_"

# The running use case, fixed by the data: predict rentals per hour.
TARGET = "cnt"
TIME_COLUMN = "timestamp"
# The hour, the kind of day and the weather. Left out on purpose: `mnth` and `season`, because
# the holdout months (October to December) never appear in training, so a model cannot learn
# what they mean; and `atemp`, the "feels like" temperature, computed from temp, humidity and
# wind, which are already in.
NUMERIC_FEATURES = ["hr", "workingday", "holiday", "temp", "hum", "windspeed"]
CATEGORICAL_FEATURES = ["weekday", "weathersit"]
FEATURES = NUMERIC_FEATURES + CATEGORICAL_FEATURES
# casual + registered = cnt: knowing either at prediction time means knowing the answer.
LEAKAGE_COLUMNS = ["casual", "registered"]
MISSING_WEATHER = "Unknown"  # what a missing weathersit becomes before the model sees it

SEED = 42


def _find_project_dir() -> Path:
    """The folder holding pyproject.toml when run from a checkout, else the working directory.

    An installed copy (a Docker image) has no checkout around it; it sets MLPROJECT_HOME.
    """
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "data").is_dir():
            return parent
    return Path.cwd()


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Everything the project needs to know about where it runs."""

    project_dir: Path
    data_file: Path
    datacard_file: Path
    tracking_uri: str
    artifact_location: str | None
    experiment: str
    model_name: str
    model_alias: str
    reports_dir: Path
    predictions_log: Path
    pipeline_root: Path
    api_key: str | None
    fast: bool
    threads: int
    seed: int

    @property
    def model_uri(self) -> str:
        """The registry address the API loads: `models:/<name>@<alias>`."""
        return f"models:/{self.model_name}@{self.model_alias}"


def get_settings() -> Settings:
    """Build the settings from the environment (see the README's configuration table)."""
    env = os.environ
    home = Path(env.get(f"{ENV_PREFIX}HOME") or _find_project_dir()).resolve()
    tracking_uri = env.get("MLFLOW_TRACKING_URI") or f"sqlite:///{home / 'mlflow.db'}"
    artifact_location = None
    if tracking_uri.startswith("sqlite:///"):
        # A local store keeps its artifacts next to its database, inside the project, so one
        # `rm -rf mlflow.db mlruns` resets everything. A tracking server decides for itself.
        database = Path(tracking_uri.removeprefix("sqlite:///"))
        artifact_location = (database.parent / "mlruns").resolve().as_uri()
    reports_dir = Path(env.get(f"{ENV_PREFIX}REPORTS_DIR") or home / "reports")
    data_file = Path(env.get(f"{ENV_PREFIX}DATA_FILE") or home / "data" / "hour.csv")
    return Settings(
        project_dir=home,
        data_file=data_file,
        datacard_file=data_file.parent / "datacard.md",  # the card travels with its data
        tracking_uri=tracking_uri,
        artifact_location=artifact_location,
        experiment=env.get(f"{ENV_PREFIX}EXPERIMENT", "mlproject"),
        model_name=env.get(f"{ENV_PREFIX}MODEL_NAME", "mlproject"),
        model_alias=env.get(f"{ENV_PREFIX}MODEL_ALIAS", "champion"),
        reports_dir=reports_dir,
        predictions_log=Path(
            env.get(f"{ENV_PREFIX}PREDICTIONS_LOG") or reports_dir / "predictions.jsonl"
        ),
        pipeline_root=Path(env.get(f"{ENV_PREFIX}PIPELINE_ROOT") or home / "local_outputs"),
        api_key=env.get(f"{ENV_PREFIX}API_KEY") or None,
        fast=_flag(env.get(f"{ENV_PREFIX}FAST")),
        threads=int(env.get(f"{ENV_PREFIX}THREADS", "1")),
        seed=int(env.get(f"{ENV_PREFIX}SEED", str(SEED))),
    )


def for_pipeline_step(tracking_uri: str, model_name: str, alias: str) -> Settings:
    """Settings inside a pipeline step: the pipeline's parameters win over the container's env.

    (It lives here rather than in pipeline.py because a step must not import KFP's DSL while
    KFP's executor is running it.)
    """
    os.environ["MLFLOW_TRACKING_URI"] = tracking_uri
    os.environ[f"{ENV_PREFIX}MODEL_NAME"] = model_name
    os.environ[f"{ENV_PREFIX}MODEL_ALIAS"] = alias
    return get_settings()
