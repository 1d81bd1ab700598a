"""Monitoring: Evidently reports read through mlproject, and the dashboard started from a notebook.

Window summaries are mlproject.monitor's (tested in the template). These tests check the
sprint's use of it: the template's Streamlit app shows mlproject's summaries (AppTest), and the
course's server helper serves it headless, also through jupyter-server-proxy as on Binder.
"""

from __future__ import annotations

import sys

import httpx
import pandas as pd
import pytest
from mlproject import data, monitor

from mlops_course import monitoring, servers, settings, tracking


@pytest.fixture(scope="module")
def bikes() -> pd.DataFrame:
    return data.validate(data.load())


@pytest.fixture(scope="module")
def windows(bikes) -> list[data.Window]:
    return data.production_windows(bikes)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> object:
    """Summaries of the first four windows of 2012, written by mlproject.monitor (the one
    implementation) for a quick model trained on 2011; no registry needed."""
    import dataclasses

    from mlproject import registry, train
    from mlproject import settings as project_settings

    folder = tmp_path_factory.mktemp("reports")
    frame = data.validate(data.load())
    rows, _ = data.training_split(frame)
    model = train.fit(rows, max_iter=30)
    served = registry.LoadedModel(model, "mlproject", "1", "champion", run_id=None)
    ws = dataclasses.replace(project_settings.get_settings(), reports_dir=folder)
    for name in ["2012-01", "2012-02", "2012-03", "2012-04"]:
        monitor.monitor_window(name, settings=ws, served=served, frame=frame)
    return folder


def test_measure_reports_time_cpu_and_memory():
    result, sample = monitoring.measure(lambda: sum(range(200_000)))
    assert result == sum(range(200_000))
    assert sample.seconds > 0 and sample.cpu_seconds >= 0 and sample.peak_rss_mb > 10


@pytest.mark.slow
def test_evidently_finds_the_growth_of_demand_and_saves_its_report(bikes, windows, tmp_path):
    reference = data.reference(bikes)
    snapshot = monitoring.evidently_report(
        reference, windows[2].data, ["cnt", "hr"], method="wasserstein", threshold=0.2,
        summary=True,
    )
    metrics = snapshot.dict()["metrics"]
    columns = monitor.drift_columns(metrics)
    assert columns["cnt"]["drifted"] and not columns["hr"]["drifted"]
    assert columns["cnt"]["method"] == "wasserstein"
    (count,) = [m for m in metrics if m["config"]["type"].endswith(":DriftedColumnsCount")]
    assert count["value"] == {"count": 1.0, "share": 0.5}
    assert count["config"]["drift_share"] == monitor.DRIFT_SHARE_THRESHOLD
    snapshot.save_html(str(tmp_path / "march.html"))
    assert (tmp_path / "march.html").stat().st_size > 10_000


@pytest.mark.slow
def test_a_p_value_test_counts_as_drift_when_the_p_value_is_small(bikes, windows):
    reference = monitor.reference_for(bikes, windows[0]).data
    snapshot = monitoring.evidently_report(reference, windows[0].data, ["cnt"])
    column = monitor.drift_columns(snapshot.dict()["metrics"])["cnt"]
    assert "p_value" in column["method"] and column["score"] < 0.05 and column["drifted"]


@pytest.fixture
def dashboard_path(monkeypatch):
    monkeypatch.syspath_prepend(str(settings.TEMPLATE_DIR / "src"))
    for name in [m for m in sys.modules if m == "mlproject" or m.startswith("mlproject.")]:
        monkeypatch.delitem(sys.modules, name)


@pytest.mark.slow
def test_the_template_dashboard_shows_the_course_summaries(reports, dashboard_path,
                                                           monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    for key, value in monitoring.dashboard_environment(reports, tmp_path / "none.jsonl").items():
        if key != "PYTHONPATH":
            monkeypatch.setenv(key, value)
    app = AppTest.from_file(str(monitoring.DASHBOARD_APP), default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    assert "for 2012-04" in (app.error or app.success)[0].value
    assert any("drift alert for 2012-04" in box.value.lower() for box in [*app.warning, *app.info])
    assert app.selectbox[0].value == "2012-04"
    assert "2012-04 vs 2011-04" in app.subheader[0].value
    assert {"Latest window", "Features drifted", "MAE (rentals/hour)"} <= {
        metric.label for metric in app.metric
    }


@pytest.mark.slow
def test_the_dashboard_serves_headless_and_frees_its_port(reports):
    with monitoring.dashboard_server(reports, port=servers.free_port()) as app:
        assert httpx.get(app.url + "/_stcore/health", timeout=10).text == "ok"
        assert "<title>" in httpx.get(app.url + "/", timeout=10).text
        port = app.port
    assert servers.port_is_free(port)


@pytest.mark.slow
def test_the_dashboard_is_reachable_through_the_jupyter_server_proxy(reports):
    token = "sprint05-proxy-test"
    lab = servers.BackgroundServer(
        servers.python_command(
            "jupyter", "lab", "--no-browser", "--allow-root", "--port={port}",
            "--port-retries=0", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={settings.REPO_ROOT}",
        ),
        ready_path="/api/status", name="jupyter lab", ready_timeout=120,
    )
    with lab, monitoring.dashboard_server(reports, port=servers.free_port(),
                                          behind_proxy=True) as app:
        path = tracking.proxy_url(app.port, prefix="/")
        assert path == f"/proxy/{app.port}/"
        headers = {"Authorization": f"token {token}"}
        health = httpx.get(f"{lab.url}{path}_stcore/health", headers=headers, timeout=20)
        assert health.status_code == 200 and health.text == "ok"
        page = httpx.get(f"{lab.url}{path}", headers=headers, timeout=20)
        assert page.status_code == 200 and "<title>" in page.text
