"""Code tests: small functions checked on small inputs, fast and without servers."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlproject import cli, data, evaluate, monitor, registry, schemas
from mlproject import settings as cfg
from mlproject.observability import JsonFormatter


def row(**changes) -> pd.DataFrame:
    return pd.DataFrame([{**schemas.EXAMPLE_RECORD, **changes}])


# ------------------------------------------------------------------ features


def test_features_never_include_the_target_or_the_leakage_columns():
    features = data.prepare_features(row(cnt=100, casual=20, registered=80))
    assert list(features.columns) == cfg.FEATURES
    assert not {"cnt", "casual", "registered"} & set(features.columns)


def test_missing_weather_becomes_the_unknown_category():
    assert data.prepare_features(row(weathersit=None))["weathersit"][0] == cfg.MISSING_WEATHER
    assert data.prepare_features(row(weathersit=np.nan))["weathersit"][0] == cfg.MISSING_WEATHER


def test_missing_feature_columns_are_named_in_the_error():
    with pytest.raises(data.DataError, match=r"\['hr'\]"):
        data.prepare_features(row().drop(columns=["hr"]))


# ------------------------------------------------------------------ metrics and baseline


def test_regression_metrics_on_numbers_worked_out_by_hand():
    metrics = evaluate.regression_metrics(np.array([10.0, 20.0]), np.array([12.0, 16.0]))
    assert metrics["mae"] == pytest.approx(3.0)
    assert metrics["rmse"] == pytest.approx(math.sqrt((4 + 16) / 2))
    assert metrics["bias"] == pytest.approx(-1.0)


def test_metrics_refuse_mismatched_lengths():
    with pytest.raises(ValueError, match="as many predictions as labels"):
        evaluate.regression_metrics(np.array([1.0, 2.0]), np.array([1.0]))


def test_the_baseline_predicts_the_mean_of_the_same_hour_on_the_same_kind_of_day():
    history = pd.DataFrame(
        {"hr": [8, 8, 8, 3], "workingday": [1, 1, 0, 1], "cnt": [100, 200, 50, 7]}
    )
    baseline = evaluate.HourlyBaseline().fit(history)
    query = pd.DataFrame({"hr": [8.0, 8.0, 3.0, 12.0], "workingday": [1.0, 0.0, 1.0, 1.0]})
    assert baseline.predict(query).tolist() == [150.0, 50.0, 7.0, history["cnt"].mean()]


def test_the_baseline_fits_like_a_scikit_learn_estimator_and_saves_with_skops():
    import skops.io

    history = pd.concat([row(hr=8, cnt=100), row(hr=8, cnt=200), row(hr=3, cnt=10)])
    features, target = data.prepare_features(history), data.target(history)
    baseline = evaluate.HourlyBaseline().fit(features, target)
    assert baseline.predict(features).tolist() == [150.0, 150.0, 10.0]
    loaded = skops.io.loads(skops.io.dumps(baseline), trusted=registry.SKOPS_TRUSTED_TYPES)
    assert loaded.predict(features).tolist() == [150.0, 150.0, 10.0]


# ------------------------------------------------------------------ quality gate


def test_the_first_candidate_is_promoted_when_it_beats_the_baseline():
    decision = registry.gate(candidate_mae=30.0, baseline_mae=40.0)
    assert decision.promote and "no champion yet" in decision.reason


def test_a_candidate_worse_than_the_baseline_is_never_promoted():
    decision = registry.gate(candidate_mae=45.0, baseline_mae=40.0, champion_mae=50.0)
    assert not decision.promote and "baseline" in decision.reason


def test_a_better_candidate_replaces_the_champion():
    decision = registry.gate(30.0, 40.0, champion_mae=32.0, champion_version="3")
    assert decision.promote and "v3" in decision.reason


def test_a_tie_keeps_the_champion_and_says_why():
    decision = registry.gate(32.0, 40.0, champion_mae=32.0, champion_version="3")
    assert not decision.promote
    assert "not lower than champion v3's 32.00" in decision.reason


# ------------------------------------------------------------------ drift decision


def test_a_large_rise_in_error_triggers_retraining_without_a_drift_alert():
    decision = monitor.decide(drift_share=0.1, mae=60.0, expected_mae=40.0)
    assert decision.retrain and "1.50x" in decision.retrain_reasons[0]
    assert not decision.alert


def test_half_of_the_features_drifting_raises_an_alert_but_never_retrains():
    for mae in (None, 40.0):  # without labels, and with an unchanged error
        decision = monitor.decide(drift_share=0.5, mae=mae, expected_mae=40.0)
        assert decision.alert and "50% of features drifted" in decision.alert_reasons[0]
        assert not decision.retrain


def test_drift_and_a_drop_in_quality_give_both_verdicts_each_with_its_reason():
    decision = monitor.decide(drift_share=0.75, mae=80.0, expected_mae=40.0)
    assert decision.alert and decision.retrain
    assert "2.00x" in decision.retrain_reasons[0] and "75%" in decision.alert_reasons[0]


def test_a_window_within_both_thresholds_needs_no_action():
    decision = monitor.decide(drift_share=0.2, mae=45.0, expected_mae=40.0)
    assert not decision.retrain and not decision.alert
    assert "within 1.25x" in decision.retrain_reasons[0]
    assert "no alert" in decision.alert_reasons[0]


def test_a_summary_breaking_the_schema_names_the_file_and_the_field(tmp_path: Path):
    folder = tmp_path / "monitoring" / "2012-06"
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text('{"window": "2012-06", "rows": "many"}')
    with pytest.raises(monitor.SummaryError) as failure:
        monitor.load_summaries(tmp_path)
    assert str(folder / "summary.json") in str(failure.value)
    assert "field" in str(failure.value)


def test_the_writer_refuses_a_decision_that_mixes_the_verdicts(tmp_path: Path):
    summary = {"window": "2012-06", "decision": {"retrain": True, "reasons": ["drift"]}}
    with pytest.raises(monitor.SummaryError, match="2012-06"):
        monitor.write_summary(summary, tmp_path)
    assert not (tmp_path / "monitoring" / "2012-06" / "summary.json").exists()


def test_the_retrain_trigger_gets_the_end_of_the_first_window_that_asks_for_it(monkeypatch):
    def fake_window(name: str, **kwargs) -> dict:
        return {
            "window": name,
            "end": f"{name}-end",
            "decision": {
                "alert": True,  # drift everywhere: it must not trigger the retraining
                "alert_reasons": ["drift"],
                "retrain": name >= "2012-02",
                "retrain_reasons": ["test"],
            },
        }

    monkeypatch.setattr(monitor, "monitor_window", fake_window)
    monkeypatch.setattr(monitor.data, "load", lambda *a, **k: None)
    monkeypatch.setattr(monitor.data, "validate", lambda frame: frame)
    monkeypatch.setattr(monitor.registry, "load", lambda *a, **k: None)
    calls: list[str] = []
    summaries = monitor.monitor(["2012-01", "2012-02", "2012-03"], retrain=calls.append)
    assert calls == ["2012-02-end"]
    assert [s["window"] for s in summaries] == ["2012-01", "2012-02"]  # stops after retraining


# ------------------------------------------------------------------ settings, logs, CLI


def test_the_default_store_is_sqlite_with_artifacts_beside_it(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    monkeypatch.setenv("MLPROJECT_HOME", str(tmp_path))
    settings = cfg.get_settings()
    assert settings.tracking_uri == f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert settings.artifact_location == (tmp_path / "mlruns").as_uri()
    assert settings.model_uri == "models:/mlproject@champion"


def test_a_tracking_server_decides_its_own_artifact_location(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow.internal:5000")
    assert cfg.get_settings().artifact_location is None


def test_log_lines_are_json_objects_with_the_extra_fields():
    record = logging.makeLogRecord(
        {"name": "mlproject.api", "levelname": "INFO", "msg": "request", "status": 200}
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "request" and entry["status"] == 200 and entry["time"].endswith("Z")


def test_the_command_line_offers_every_stage():
    text = cli.parser().format_help()
    for command in (
        "validate",
        "train",
        "serve",
        "pipeline",
        "monitor",
        "dashboard",
        "export-onnx",
    ):
        assert command in text


def test_a_cut_off_prediction_log_line_is_skipped_not_fatal(tmp_path: Path):
    log = tmp_path / "predictions.jsonl"
    log.write_text('{"time": "2024-01-01T00:00:00Z", "prediction": 5}\n{"time": "2024-01', "utf-8")
    frame = monitor.recent_predictions(log)
    assert frame["prediction"].tolist() == [5]
