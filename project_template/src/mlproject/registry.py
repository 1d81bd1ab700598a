"""Registry: where models live after training, the champion alias, and the quality gate.

Every trained candidate becomes a new version of the registered model. Only the quality gate
moves the `champion` alias, and only when the candidate beats both the heuristic baseline and
the current champion on the same holdout. A candidate that loses keeps the `challenger` alias
(handy for shadow or canary tests) and its version records why it lost. The API always loads
`models:/<name>@champion`, so promotion is one alias move and rollback another.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from mlproject import settings as cfg

if TYPE_CHECKING:  # importing mlflow costs seconds; only functions that need it do
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

log = logging.getLogger(__name__)

CHALLENGER_ALIAS = "challenger"
# skops refuses to load any type it was not told to trust. skops already trusts the
# scikit-learn estimators; the fitted trees of a HistGradientBoostingRegressor are the one
# internal type to add (skops.io.get_untrusted_types lists them), and the hourly baseline is
# ours, for when it is logged as a model too. Change the model, re-check.
SKOPS_TRUSTED_TYPES = [
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "mlproject.evaluate.HourlyBaseline",
]


class RegistryError(RuntimeError):
    """The registry has no such model or alias, or cannot be reached."""


@dataclass(frozen=True)
class GateDecision:
    """The quality gate's verdict, with the numbers it was based on."""

    promote: bool
    reason: str
    candidate_mae: float
    baseline_mae: float
    champion_mae: float | None = None
    champion_version: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LoadedModel:
    """A model fetched from the registry, with the coordinates the API reports."""

    model: Any
    name: str
    version: str
    alias: str
    run_id: str | None


def configure(settings: cfg.Settings | None = None) -> MlflowClient:
    """Point MLflow at the configured store and experiment; return a client.

    The local default is a SQLite database in the project folder (MLflow's plain file store
    is deprecated); setting MLFLOW_TRACKING_URI uses a tracking server instead.
    """
    import mlflow

    settings = settings or cfg.get_settings()
    mlflow.set_tracking_uri(settings.tracking_uri)
    # The registry is the same store. Set it too: a registry address set earlier in this
    # process (by another store's set_registry_uri) would outlive the tracking one and send
    # the models registered next to a store the API never reads.
    mlflow.set_registry_uri(settings.tracking_uri)
    if mlflow.get_experiment_by_name(settings.experiment) is None:
        mlflow.create_experiment(settings.experiment, artifact_location=settings.artifact_location)
    mlflow.set_experiment(settings.experiment)
    return mlflow.MlflowClient()


def gate(
    candidate_mae: float,
    baseline_mae: float,
    champion_mae: float | None = None,
    champion_version: str | None = None,
) -> GateDecision:
    """Decide whether a candidate replaces the champion (all MAEs on the same holdout).

    The candidate must beat the heuristic baseline, and then be strictly better than the
    champion: a tie keeps the model already serving, since a swap would change nothing but
    still carry risk.
    """
    numbers = dict(
        candidate_mae=candidate_mae,
        baseline_mae=baseline_mae,
        champion_mae=champion_mae,
        champion_version=champion_version,
    )
    if not candidate_mae < baseline_mae:
        return GateDecision(
            False,
            f"candidate MAE {candidate_mae:.2f} does not beat the hourly baseline's "
            f"{baseline_mae:.2f}: check the features and the training window",
            **numbers,
        )
    if champion_mae is None:
        return GateDecision(
            True,
            f"no champion yet; candidate MAE {candidate_mae:.2f} beats the baseline's "
            f"{baseline_mae:.2f}",
            **numbers,
        )
    if candidate_mae < champion_mae:
        return GateDecision(
            True,
            f"candidate MAE {candidate_mae:.2f} is lower than champion v{champion_version}'s "
            f"{champion_mae:.2f} on the same holdout",
            **numbers,
        )
    return GateDecision(
        False,
        f"candidate MAE {candidate_mae:.2f} is not lower than champion v{champion_version}'s "
        f"{champion_mae:.2f} on the same holdout; the champion stays",
        **numbers,
    )


def champion_version(
    name: str, alias: str = "champion", client: MlflowClient | None = None
) -> ModelVersion | None:
    """The version an alias points to, or None when the model or alias does not exist yet."""
    from mlflow.exceptions import MlflowException

    client = client or configure()
    try:
        return client.get_model_version_by_alias(name, alias)
    except MlflowException:
        return None


def load(settings: cfg.Settings | None = None, alias: str | None = None) -> LoadedModel:
    """Load `models:/<name>@<alias>` (the champion unless told otherwise) as scikit-learn."""
    import mlflow.sklearn

    settings = settings or cfg.get_settings()
    alias = alias or settings.model_alias
    client = configure(settings)
    version = champion_version(settings.model_name, alias, client)
    if version is None:
        raise RegistryError(
            f"No model '{settings.model_name}' with alias '{alias}' in the registry at "
            f"{settings.tracking_uri}. Train and register one first: `make train`."
        )
    model = mlflow.sklearn.load_model(f"models:/{settings.model_name}@{alias}")
    return LoadedModel(model, settings.model_name, str(version.version), alias, version.run_id)


def register(model_uri: str, settings: cfg.Settings, tags: dict[str, str]) -> str:
    """Register a logged model as a new version of the project's model; return the version."""
    import mlflow

    configure(settings)
    version = mlflow.register_model(model_uri, settings.model_name, tags=tags)
    return str(version.version)


def apply_decision(decision: GateDecision, version: str, settings: cfg.Settings) -> None:
    """Move `champion` to the version if the gate says so; otherwise mark it `challenger`."""
    client = configure(settings)
    name = settings.model_name
    alias = settings.model_alias if decision.promote else CHALLENGER_ALIAS
    client.set_registered_model_alias(name, alias, version)
    client.set_model_version_tag(name, version, "gate.promoted", str(decision.promote).lower())
    client.set_model_version_tag(name, version, "gate.reason", decision.reason)
    log.info("gate: %s (version %s -> %s)", decision.reason, version, alias)
