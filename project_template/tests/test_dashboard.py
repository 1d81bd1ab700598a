"""Dashboard tests: the Streamlit app run by AppTest, then served headless for real."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from helpers import Server, free_port

APP = Path(__file__).resolve().parents[1] / "src" / "mlproject" / "dashboard.py"

pytestmark = pytest.mark.slow


def run_app() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    return app


def test_the_dashboard_shows_each_window_its_decision_and_recent_predictions(
    monitored, monkeypatch, tmp_path
):
    log = tmp_path / "predictions.jsonl"
    entry = {"time": "2024-06-01T08:00:00Z", "model_version": "1", "hr": 8, "prediction": 412.5}
    log.write_text(json.dumps(entry) + "\n", encoding="utf-8")
    monkeypatch.setenv("MLPROJECT_PREDICTIONS_LOG", str(log))

    app = run_app()
    assert app.title[0].value == "Bike-rental model: monitoring"
    assert "Retrain recommended for 2012-06" in app.error[0].value
    drift_verdict = [*app.warning, *app.info]
    assert any("drift alert for 2012-06" in box.value.lower() for box in drift_verdict)
    labels = [metric.label for metric in app.metric]
    assert {"Latest window", "Features drifted", "MAE (rentals/hour)", "Predictions shown"} <= set(
        labels
    )
    assert app.selectbox[0].value == "2012-06"
    assert "2012-06 vs 2011-06" in app.subheader[0].value


def test_without_reports_the_dashboard_says_what_to_run(monkeypatch, tmp_path):
    monkeypatch.setenv("MLPROJECT_REPORTS_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("MLPROJECT_PREDICTIONS_LOG", str(tmp_path / "none.jsonl"))
    app = run_app()
    hints = " ".join(info.value for info in app.info)
    assert "make monitor" in hints and "call the API" in hints


def test_the_dashboard_serves_headless_and_reports_healthy():
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
    ]
    with Server(command, port, "/_stcore/health") as server:
        assert httpx.get(server.url + "/_stcore/health").text == "ok"
        assert "<title>" in httpx.get(server.url + "/").text
