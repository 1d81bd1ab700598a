"""Continuous training: what the pipeline's steps do, the quality gate, and the champion's record.

    train, holdout = training_window(bikes, "2012-04-01")      # last 6 months, last 1 held out
    model = fit_candidate(train, fast=True)
    decision = gate(candidate_mae=61.2, baseline_mae=83.5, champion_mae=66.5)
    current = champion(store)                                   # model, version, signed-off MAE

The KFP components in `mlops_course.pipelines` are thin: they parse their inputs and call the
functions here, so a step does the same thing in a notebook, in a test and on a cluster. Every
step starts a fresh Python, so this module imports nothing heavy at the top (pandas,
scikit-learn and MLflow are imported by the functions that need them): the gate step, which
only compares three numbers, starts in a fraction of a second.

The retraining policy, written down with its reasons:

* train on a sliding window of the last `LOOKBACK_MONTHS` months: the model has no feature for
  the system's growth, so recent months carry the current level of demand better than all of
  history (the price: a short window has seen fewer kinds of weather);
* hold out the last `HOLDOUT_MONTHS` month before the cut-off and score every contender on it:
  the candidate, the heuristic baseline fitted on the same rows, and the serving champion;
* promote only a candidate that beats the baseline and beats the champion by at least
  `min_gain` (relative): a tie keeps the model that is already serving, since a swap would
  change nothing but still carry risk.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported by the functions that need them (see the module docstring)
    import pandas as pd

    from mlops_course.tracking import Store

LOOKBACK_MONTHS = 6
HOLDOUT_MONTHS = 1
MODEL_NAME = "bike-demand"
EXPERIMENT = "bike-demand-pipeline"
MAX_MISSING_SHARE = 0.15  # the validate step refuses data with more missing weather than this


class DataCheckError(ValueError):
    """The data breaks its data card: the pipeline must stop before training on it."""


class ChampionError(LookupError):
    """No champion in the registry yet (train one with the pipeline first)."""


# --- data -------------------------------------------------------------------------------------


def check_data(frame: pd.DataFrame, *, max_missing_share: float = MAX_MISSING_SHARE) -> list[str]:
    """Every way `frame` breaks the bike data's card: columns, ranges, categories, missing values.

    The data card is the contract (`datasets/bike_sharing/datacard.md`): its schema lists each
    column's type, range, allowed values and whether it may be missing. One call reports every
    problem, so a failed pipeline run shows all there is to fix.
    """
    import pandas as pd

    from mlops_course import datasets

    schema = datasets.card(datasets.BIKE_SHARING).schema
    problems = []
    missing_columns = [c for c in schema if c not in frame.columns]
    if missing_columns:
        problems.append(f"missing column(s): {', '.join(missing_columns)}")
    if frame.empty:
        problems.append("no rows")
    for column, spec in schema.items():
        if column not in frame.columns or frame.empty:
            continue
        values = frame[column]
        share = float(values.isna().mean())
        if share and not spec.get("nullable"):
            problems.append(f"{column}: {share:.1%} missing, but the card allows none")
        elif share > max_missing_share:
            problems.append(f"{column}: {share:.1%} missing (at most {max_missing_share:.0%})")
        present = values.dropna()
        if "range" in spec and not present.empty:
            low, high = spec["range"]
            numbers = pd.to_numeric(present, errors="coerce")
            outside = numbers.isna()  # not a number at all
            if low is not None:
                outside |= numbers < low
            if high is not None:
                outside |= numbers > high
            if outside.any():
                problems.append(f"{column}: {int(outside.sum())} value(s) outside [{low}, {high}]")
        if "values" in spec and not present.empty:
            unknown = sorted(set(present.astype(str)) - {str(v) for v in spec["values"]})
            if unknown:
                problems.append(f"{column}: unknown value(s) {unknown[:5]}")
    if {"casual", "registered", "cnt"} <= set(frame.columns) and not frame.empty:
        wrong = int((frame["casual"] + frame["registered"] != frame["cnt"]).sum())
        if wrong:
            problems.append(f"cnt != casual + registered in {wrong} row(s)")
    return problems


def training_window(
    frame: pd.DataFrame,
    train_end: str | pd.Timestamp,
    *,
    lookback_months: int = LOOKBACK_MONTHS,
    holdout_months: int = HOLDOUT_MONTHS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, holdout) for a model cut off at `train_end`, both in time order.

    The holdout is the last `holdout_months` before `train_end`; training uses the
    `lookback_months` before the holdout.
    """
    import pandas as pd

    from mlops_course import datasets, modelling
    end = pd.Timestamp(train_end)
    holdout_start = end - pd.DateOffset(months=holdout_months)
    train_start = holdout_start - pd.DateOffset(months=lookback_months)
    stamp = frame[modelling.TIME_COLUMN]
    train = frame[(stamp >= train_start) & (stamp < holdout_start)]
    holdout = frame[(stamp >= holdout_start) & (stamp < end)]
    if train.empty or holdout.empty:
        earliest = datasets.REFERENCE_START + pd.DateOffset(months=holdout_months + 1)
        raise DataCheckError(
            f"train_end={end.date()} leaves {len(train)} training and {len(holdout)} holdout "
            f"rows. Pick a cut-off between {earliest.date()} and {datasets.PRODUCTION_END.date()}."
        )
    return (
        train.sort_values(modelling.TIME_COLUMN).reset_index(drop=True),
        holdout.sort_values(modelling.TIME_COLUMN).reset_index(drop=True),
    )


def fit_candidate(train: pd.DataFrame, *, fast: bool = False, seed: int = 0) -> Any:
    """The course's gradient-boosted trees fitted on `train` (30 rounds when `fast`, else 100)."""
    from mlops_course import modelling

    model = modelling.boosted_trees(max_iter=30 if fast else 100, random_state=seed)
    return model.fit(modelling.features(train), train[modelling.TARGET])


def mae(model: Any, frame: pd.DataFrame) -> float:
    """Mean absolute error of a model on labelled rows (predictions clipped at zero)."""
    from mlops_course import modelling

    predicted = model.predict(modelling.features(frame)).clip(min=0)
    return modelling.scores(frame[modelling.TARGET], predicted)["mae"]


def baseline_mae(train: pd.DataFrame, holdout: pd.DataFrame) -> float:
    """MAE on `holdout` of the hourly-profile baseline fitted on `train`."""
    from mlops_course import modelling

    baseline = modelling.baseline().fit(modelling.features(train), train[modelling.TARGET])
    return mae(baseline, holdout)


# --- the quality gate -------------------------------------------------------------------------


@dataclass(frozen=True)
class GateDecision:
    """The gate's verdict with the numbers it was based on (all MAEs on the same holdout)."""

    promote: bool
    reason: str
    candidate_mae: float
    baseline_mae: float
    champion_mae: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def gate(
    candidate_mae: float,
    baseline_mae: float,
    champion_mae: float | None = None,
    *,
    min_gain: float = 0.0,
) -> GateDecision:
    """Promote a candidate only if it beats the baseline, then the champion by `min_gain`.

    `champion_mae` is None (or negative, which is how a KFP parameter says "none") when no
    champion exists yet. `min_gain` is relative: 0.02 asks for an MAE at least 2 % below the
    champion's.
    """
    if champion_mae is not None and champion_mae < 0:
        champion_mae = None
    numbers = {"candidate_mae": candidate_mae, "baseline_mae": baseline_mae,
               "champion_mae": champion_mae}
    if not candidate_mae < baseline_mae:
        return GateDecision(
            False,
            f"blocked: candidate MAE {candidate_mae:.1f} does not beat the baseline's "
            f"{baseline_mae:.1f}",
            **numbers,
        )
    if champion_mae is None:
        return GateDecision(
            True,
            f"promoted: no champion yet, and the candidate's MAE {candidate_mae:.1f} beats the "
            f"baseline's {baseline_mae:.1f}",
            **numbers,
        )
    needed = champion_mae * (1 - min_gain)
    if candidate_mae < needed:
        return GateDecision(
            True,
            f"promoted: candidate MAE {candidate_mae:.1f} beats the champion's "
            f"{champion_mae:.1f}" + (f" by more than {min_gain:.0%}" if min_gain else ""),
            **numbers,
        )
    return GateDecision(
        False,
        f"blocked: candidate MAE {candidate_mae:.1f} is not below {needed:.1f} "
        f"(champion {champion_mae:.1f}" + (f" less {min_gain:.0%})" if min_gain else ")"),
        **numbers,
    )


# --- the registry -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Champion:
    """The model serving now, with the MAE it was signed off with at promotion."""

    model: Any
    version: str
    expected_mae: float
    train_end: str
    run_id: str


def champion(store: Store, model_name: str = MODEL_NAME, alias: str = "champion") -> Champion:
    """Load `models:/<name>@champion` from the store, with its signed-off holdout MAE."""
    import mlflow
    from mlflow.exceptions import MlflowException

    from mlops_course import tracking

    tracking.local_store(store.folder)
    client = mlflow.MlflowClient()
    try:
        version = client.get_model_version_by_alias(model_name, alias)
    except MlflowException as err:
        raise ChampionError(
            f"No model {model_name!r} with alias {alias!r} in {store.uri}. Run the training "
            "pipeline first (pipelines.run_local)."
        ) from err
    run = client.get_run(version.run_id)
    model = mlflow.sklearn.load_model(f"models:/{model_name}@{alias}")
    return Champion(
        model=model, version=str(version.version),
        expected_mae=float(run.data.metrics["holdout_mae"]),
        train_end=run.data.params.get("train_end", ""), run_id=version.run_id,
    )
