"""Monitoring: compare each production window with its reference, decide whether to retrain.

The data's timeline is replayed as production: every month of 2012 is a window. For each
window an Evidently report compares it with a reference and covers

* data drift: has the distribution of each feature moved? Measured as a distance (normed
  Wasserstein for numbers, Jensen-Shannon for categories; drift above 0.1), not a p-value:
  on 700 rows a statistical test flags trivia, such as a month with five Sundays instead of four;
* data quality: missing values, ranges, summary statistics per column;
* model quality, where labels exist: MAE/RMSE of the champion's predictions on the window.

The reference for a window is the SAME calendar month of 2011, so ordinary seasonality (July
is warmer than March) is not reported as drift, while real change (the system grew a lot in
2012) is. Each window gets `reports/monitoring/<window>/report.html` for people and
`summary.json` for machines (the dashboard, alerting, the retraining trigger).

Two verdicts per window, kept apart on purpose (documented thresholds, simple to explain):

* ALERT when at least `DRIFT_SHARE_THRESHOLD` (half) of the features drifted: the inputs left
  the region the model learnt. Someone should look (a broken feed? a new season?), but drift
  alone is not harm: warmer weather changes the inputs without making the model worse, so an
  alert never retrains by itself;
* RETRAIN when the window's MAE exceeds the champion's signed-off holdout MAE by more than
  `MAE_RATIO_THRESHOLD` (25%): the model got measurably worse, which only labels can show.

`python -m mlproject monitor --window 2012-06 --retrain-on-quality` runs the training pipeline
with data up to the end of the first window whose verdict is RETRAIN. Every summary.json is
checked against `summary.schema.json` when it is written and when it is read.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from mlproject import data, evaluate, registry
from mlproject import settings as cfg

log = logging.getLogger(__name__)

DRIFT_SHARE_THRESHOLD = 0.5
MAE_RATIO_THRESHOLD = 1.25
PREDICTION = "prediction"
DRIFT_METHODS = {
    "num_method": "wasserstein",
    "cat_method": "jensenshannon",
    "num_threshold": 0.1,
    "cat_threshold": 0.1,
}


SUMMARY_SCHEMA = "summary.schema.json"  # package data, next to this module


class SummaryError(ValueError):
    """A monitoring summary does not follow summary.schema.json (the message names the field)."""


@dataclass(frozen=True)
class Decision:
    """Two separate verdicts for a window, each with its reasons in plain words.

    `alert`: data drift, someone should look. `retrain`: quality dropped, run the pipeline.
    """

    alert: bool
    retrain: bool
    alert_reasons: list[str]
    retrain_reasons: list[str]

    @property
    def reasons(self) -> list[str]:
        """Every reason, alert and retrain, for a one-line log."""
        return [*self.retrain_reasons, *self.alert_reasons]

    def as_dict(self) -> dict[str, Any]:
        return {
            "alert": self.alert,
            "alert_reasons": self.alert_reasons,
            "retrain": self.retrain,
            "retrain_reasons": self.retrain_reasons,
            "thresholds": {"drift_share": DRIFT_SHARE_THRESHOLD, "mae_ratio": MAE_RATIO_THRESHOLD},
        }


def decide(drift_share: float, mae: float | None, expected_mae: float) -> Decision:
    """Apply the documented thresholds to one window's numbers: ALERT on drift, RETRAIN on MAE."""
    if drift_share >= DRIFT_SHARE_THRESHOLD:
        alert_reasons = [
            f"{drift_share:.0%} of features drifted (threshold {DRIFT_SHARE_THRESHOLD:.0%}): "
            "look at the inputs; drift alone does not retrain"
        ]
    else:
        alert_reasons = [
            f"{drift_share:.0%} of features drifted (below {DRIFT_SHARE_THRESHOLD:.0%}): no alert"
        ]
    if mae is None:
        retrain_reasons = ["no labels yet: quality unknown, no retraining"]
    elif mae > MAE_RATIO_THRESHOLD * expected_mae:
        retrain_reasons = [
            f"MAE {mae:.1f} is {mae / expected_mae:.2f}x the signed-off {expected_mae:.1f} "
            f"(threshold {MAE_RATIO_THRESHOLD}x)"
        ]
    else:
        retrain_reasons = [
            f"MAE {mae:.1f} is {mae / expected_mae:.2f}x the signed-off {expected_mae:.1f}: "
            f"within {MAE_RATIO_THRESHOLD}x"
        ]
    alert = drift_share >= DRIFT_SHARE_THRESHOLD
    retrain = mae is not None and mae > MAE_RATIO_THRESHOLD * expected_mae
    return Decision(alert, retrain, alert_reasons, retrain_reasons)


def summary_schema() -> dict[str, Any]:
    """The JSON Schema every summary.json follows (shipped with the package)."""
    text = resources.files("mlproject").joinpath(SUMMARY_SCHEMA).read_text(encoding="utf-8")
    return json.loads(text)


def check_summary(summary: dict[str, Any], source: str | Path = "summary") -> dict[str, Any]:
    """Validate a summary against the schema; SummaryError names the file and the field."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(summary_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(summary))
    if error is not None:
        field = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise SummaryError(f"{source}: field {field!r}: {error.message}")
    return summary


def reference_for(frame: pd.DataFrame, window: data.Window) -> data.Window:
    """The same calendar month one year earlier (inside the reference period)."""
    start = window.start - pd.DateOffset(years=1)
    end = window.end - pd.DateOffset(years=1)
    rows = data.between(frame, start, end)
    if rows.empty:
        raise data.DataError(f"No reference rows for window {window.name} ({start.date()}-).")
    return data.Window(start.strftime("%Y-%m"), start, end, rows)


def _expected_mae(served: registry.LoadedModel, frame: pd.DataFrame) -> float:
    """The MAE the gate signed off: the champion run's holdout MAE (recomputed if absent)."""
    if served.run_id:
        import mlflow

        try:
            metrics = mlflow.MlflowClient().get_run(served.run_id).data.metrics
            if "holdout_mae" in metrics:
                return float(metrics["holdout_mae"])
        except mlflow.exceptions.MlflowException:
            pass
    _, holdout = data.training_split(frame)
    return evaluate.evaluate(served.model, holdout)["mae"]


def drift_columns(metrics: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per-column drift from an Evidently snapshot's `dict()["metrics"]`: score, method, drifted."""
    columns = {}
    for metric in metrics:
        config = metric.get("config", {})
        if config.get("type", "").endswith(":ValueDrift"):
            method = str(config.get("method"))
            score, threshold = float(metric["value"]), float(config.get("threshold"))
            # p-value tests drift when the p-value is small; distances when they are large.
            drifted = score < threshold if "p_value" in method else score >= threshold
            columns[config["column"]] = {
                "score": round(score, 4),
                "method": method,
                "threshold": threshold,
                "drifted": drifted,
            }
    return columns


def _find(metrics: list[dict[str, Any]], type_suffix: str, **config: Any) -> Any:
    for metric in metrics:
        cfg_ = metric.get("config", {})
        if cfg_.get("type", "").endswith(type_suffix) and all(
            cfg_.get(k) == v for k, v in config.items()
        ):
            return metric["value"]
    return None


def run_report(reference: pd.DataFrame, current: pd.DataFrame, with_labels: bool) -> Any:
    """Run the Evidently report (drift + summary, + regression quality with labels)."""
    from evidently import DataDefinition, Dataset, Regression, Report
    from evidently.presets import DataDriftPreset, DataSummaryPreset, RegressionPreset

    numeric = [*cfg.NUMERIC_FEATURES, PREDICTION] + ([cfg.TARGET] if with_labels else [])
    definition = DataDefinition(
        numerical_columns=numeric,
        categorical_columns=cfg.CATEGORICAL_FEATURES,
        regression=[Regression(target=cfg.TARGET, prediction=PREDICTION)] if with_labels else None,
    )
    columns = cfg.FEATURES + [PREDICTION] + ([cfg.TARGET] if with_labels else [])
    presets: list[Any] = [
        DataDriftPreset(columns=cfg.FEATURES, drift_share=DRIFT_SHARE_THRESHOLD, **DRIFT_METHODS),
        DataDriftPreset(
            columns=[PREDICTION] + ([cfg.TARGET] if with_labels else []), **DRIFT_METHODS
        ),
        DataSummaryPreset(columns=columns),
    ]
    if with_labels:
        presets.append(RegressionPreset())
    with warnings.catch_warnings():
        # Evidently computes correlations and per-group scores that are undefined for a
        # column that is constant in a window (holiday is 0 all March); it warns and moves on.
        warnings.filterwarnings("ignore", category=RuntimeWarning, module="numpy")
        warnings.filterwarnings("ignore", message="R\\^2 score is not well-defined")
        return Report(presets).run(
            current_data=Dataset.from_pandas(current[columns], data_definition=definition),
            reference_data=Dataset.from_pandas(reference[columns], data_definition=definition),
        )


def monitor_window(
    name: str,
    *,
    settings: cfg.Settings | None = None,
    served: registry.LoadedModel | None = None,
    frame: pd.DataFrame | None = None,
    with_labels: bool = True,
) -> dict[str, Any]:
    """Report on one production window; write report.html and summary.json; return the summary."""
    settings = settings or cfg.get_settings()
    frame = frame if frame is not None else data.validate(data.load(settings.data_file))
    served = served or registry.load(settings)
    window = data.window(frame, name)
    reference = reference_for(frame, window)

    current, ref = window.data.copy(), reference.data.copy()
    current[PREDICTION] = evaluate.predict(served.model, current)
    ref[PREDICTION] = evaluate.predict(served.model, ref)
    with_labels = with_labels and current[cfg.TARGET].notna().all()

    snapshot = run_report(ref, current, with_labels)
    out = settings.reports_dir / "monitoring" / window.name
    out.mkdir(parents=True, exist_ok=True)
    snapshot.save_html(str(out / "report.html"))
    metrics = snapshot.dict()["metrics"]

    drifted = _find(metrics, ":DriftedColumnsCount", columns=cfg.FEATURES) or {}
    columns = drift_columns(metrics)
    missing = {
        column: float(_find(metrics, ":MissingValueCount", column=column)["share"])
        for column in cfg.FEATURES
    }
    quality = None
    expected = _expected_mae(served, frame)
    if with_labels:
        quality = evaluate.regression_metrics(current[cfg.TARGET], current[PREDICTION])
        quality["expected_mae"] = expected
        quality["mae_ratio"] = quality["mae"] / expected
    drift_share = float(drifted.get("share", 0.0))
    decision = decide(drift_share, quality["mae"] if quality else None, expected)
    summary = {
        "window": window.name,
        "start": str(window.start.date()),
        "end": str(window.end.date()),
        "rows": len(window),
        "reference": reference.name,
        "reference_rows": len(reference),
        "model": {"name": served.name, "version": served.version, "alias": served.alias},
        "data_drift": {
            "drifted_features": int(drifted.get("count", 0)),
            "share": drift_share,
            "threshold": DRIFT_SHARE_THRESHOLD,
            "features": {c: columns[c] for c in cfg.FEATURES if c in columns},
        },
        "prediction_drift": columns.get(PREDICTION),
        "target_drift": columns.get(cfg.TARGET),
        "data_quality": {
            "missing_share": missing,
            "prediction_mean": float(current[PREDICTION].mean()),
            "reference_prediction_mean": float(ref[PREDICTION].mean()),
        },
        "model_quality": quality,
        "decision": decision.as_dict(),
        "report_html": "report.html",
    }
    return write_summary(summary, settings.reports_dir)


def write_summary(summary: dict[str, Any], reports_dir: Path) -> dict[str, Any]:
    """Validate, then write `<reports_dir>/monitoring/<window>/summary.json`; return the summary.

    Validating before writing means a bad summary fails here, where it is made, and never
    reaches the dashboard or the retraining trigger.
    """
    path = Path(reports_dir) / "monitoring" / str(summary.get("window")) / "summary.json"
    check_summary(summary, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def monitor(
    names: list[str] | None = None,
    *,
    settings: cfg.Settings | None = None,
    retrain: Callable[[str], Any] | None = None,
) -> list[dict[str, Any]]:
    """Monitor several windows (default: all of 2012) with one model load.

    `retrain(train_end)` is called once, for the first window whose verdict is RETRAIN (a drop
    in quality; an ALERT on drift never calls it), with the end of that window: retrain on
    everything known by then.
    """
    settings = settings or cfg.get_settings()
    frame = data.validate(data.load(settings.data_file))
    served = registry.load(settings)
    names = names or [w.name for w in data.production_windows(frame)]
    summaries = []
    for name in names:
        summary = monitor_window(name, settings=settings, served=served, frame=frame)
        summaries.append(summary)
        decision = summary["decision"]
        reasons = decision["retrain_reasons"] + decision["alert_reasons"]
        log.info("window %s: %s", name, "; ".join(reasons))
        if retrain is not None and decision["retrain"]:
            retrain(summary["end"])
            break
    return summaries


def load_summaries(reports_dir: Path) -> list[dict[str, Any]]:
    """Every window's summary.json under `reports_dir/monitoring`, in window order.

    Each is checked against the schema: a file from an older version, or edited by hand, fails
    with its path and the offending field instead of a KeyError deep in the dashboard.
    """
    paths = sorted((Path(reports_dir) / "monitoring").glob("*/summary.json"))
    summaries = []
    for path in paths:
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise SummaryError(f"{path}: not valid JSON ({err})") from err
        summaries.append(check_summary(summary, path))
    return summaries


def summary_table(summaries: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per window: the numbers a dashboard or an alert needs."""
    rows = []
    for s in summaries:
        quality = s.get("model_quality") or {}
        rows.append(
            {
                "window": s["window"],
                "rows": s["rows"],
                "model_version": s["model"]["version"],
                "drifted_features": s["data_drift"]["drifted_features"],
                "drift_share": s["data_drift"]["share"],
                "mae": quality.get("mae"),
                "mae_ratio": quality.get("mae_ratio"),
                "bias": quality.get("bias"),
                "alert": s["decision"]["alert"],
                "retrain": s["decision"]["retrain"],
                "why": "; ".join(s["decision"]["retrain_reasons"] + s["decision"]["alert_reasons"]),
            }
        )
    return pd.DataFrame(rows)


def recent_predictions(path: Path, limit: int = 200) -> pd.DataFrame:
    """The last `limit` predictions the API logged (empty frame if there are none yet)."""
    if not path.is_file():
        return pd.DataFrame()
    with path.open(encoding="utf-8") as handle:
        lines = handle.readlines()[-limit:]
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut short by a crash: skip it, keep the rest
            continue
    frame = pd.DataFrame(records)
    if "time" in frame:
        frame["time"] = pd.to_datetime(frame["time"])
    return frame
