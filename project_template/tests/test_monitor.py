"""Monitoring tests: one real production window through Evidently, and what it writes."""

from __future__ import annotations

import json

import pytest

from mlproject import monitor
from mlproject import settings as cfg

pytestmark = pytest.mark.slow


def test_a_window_gets_an_html_report_and_a_json_summary(monitored):
    folder = cfg.get_settings().reports_dir / "monitoring" / "2012-06"
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "<html" in html.lower() and len(html) > 10_000
    assert json.loads((folder / "summary.json").read_text()) == monitored
    assert monitor.check_summary(monitored) is monitored, "the summary follows its JSON Schema"


def test_the_summary_covers_drift_quality_and_the_decision_with_its_thresholds(monitored):
    assert monitored["reference"] == "2011-06", "June is compared with June, not with all of 2011"
    assert set(monitored["data_drift"]["features"]) == set(cfg.FEATURES)
    assert 0 <= monitored["data_drift"]["share"] <= 1
    assert monitored["data_quality"]["missing_share"]["weathersit"] > 0
    assert {"mae", "rmse", "expected_mae", "mae_ratio"} <= set(monitored["model_quality"])
    assert monitored["decision"]["thresholds"] == {
        "drift_share": monitor.DRIFT_SHARE_THRESHOLD,
        "mae_ratio": monitor.MAE_RATIO_THRESHOLD,
    }


def test_the_growth_of_2012_is_caught_as_a_drop_in_quality(monitored):
    quality = monitored["model_quality"]
    assert quality["bias"] < 0, "a model trained on 2011 under-predicts the busier 2012"
    assert quality["mae_ratio"] > monitor.MAE_RATIO_THRESHOLD
    decision = monitored["decision"]
    assert decision["retrain"] and "MAE" in decision["retrain_reasons"][0]
    assert isinstance(decision["alert"], bool) and decision["alert_reasons"]
    assert monitored["target_drift"]["drifted"]


def test_summaries_load_back_in_window_order(monitored):
    summaries = monitor.load_summaries(cfg.get_settings().reports_dir)
    table = monitor.summary_table(summaries)
    assert table.loc[table["window"] == "2012-06", "retrain"].item() is True
    assert "alert" in table.columns
