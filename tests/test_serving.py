"""The course's serving adapter: mlproject's app on bundles and the course store, servers that
always stop. (The contract and the app themselves are tested by the template's own suite.)"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from mlproject import api, data, schemas

from mlops_course import serving, settings
from mlops_course.servers import port_is_free


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sprint 03 lab's bundle: mlproject's hourly baseline, saved with skops."""
    return serving.lab_bundle(tmp_path_factory.mktemp("bundle"), version="test-7")


def test_example_hours_are_valid_requests_with_missing_weather_as_null():
    frame = data.load()
    hours = serving.example_hours(frame, 200, seed=0)
    assert len(hours) == 200
    for hour in hours:
        schemas.HourRecord.model_validate(hour)
    missing = frame[frame["weathersit"].isna()]
    assert all(h["weathersit"] is None for h in serving.example_hours(missing, 5))


def test_a_bundle_round_trips_as_mlprojects_loaded_model(bundle: Path):
    loaded = serving.load_bundle(bundle)
    expected = ("bike-demand-baseline", "test-7", "bundle")
    assert (loaded.name, loaded.version, loaded.alias) == expected
    rentals = api.predict_records(loaded.model, [schemas.EXAMPLE_RECORD])
    assert len(rentals) == 1 and rentals[0] > 0


def test_a_folder_without_model_json_is_refused_with_a_clear_message(tmp_path: Path):
    with pytest.raises(serving.ServingError, match="model.json"):
        serving.load_bundle(tmp_path)
    with pytest.raises(serving.ServingError, match="save_bundle"):
        serving.serve(tmp_path)


def test_the_course_settings_keep_logs_out_of_the_template(tmp_path: Path):
    project = serving.project_settings(api_key="k", request_log=tmp_path / "log.jsonl")
    assert project.model_name == serving.MODEL_NAME and project.api_key == "k"
    assert project.predictions_log == tmp_path / "log.jsonl"
    default = serving.project_settings()
    assert settings.WORKSPACE.resolve() in default.predictions_log.resolve().parents
    env = serving.settings_env(project)
    assert env["MLPROJECT_API_KEY"] == "k" and env["MLFLOW_TRACKING_URI"].startswith("sqlite:///")


def test_mlprojects_app_serves_a_bundle_in_process_and_logs_predictions(bundle, tmp_path):
    log = tmp_path / "requests.jsonl"
    app = api.create_app(serving.project_settings(request_log=log), serving.bundle_loader(bundle))
    with TestClient(app) as client:
        assert app.state.model.done.wait(30)
        answer = client.post("/v1/predict", json=schemas.EXAMPLE_RECORD)
        assert answer.status_code == 200 and answer.json()["model_version"] == "test-7"
    (row,) = api.PredictionLog(log).read()
    assert row["hr"] == schemas.EXAMPLE_RECORD["hr"] and row["model_version"] == "test-7"


def test_the_api_serves_over_http_with_a_key_and_its_port_is_free_afterwards(bundle, tmp_path):
    with serving.serve(bundle, api_key="k", request_log=tmp_path / "log.jsonl") as server:
        url = server.url + "/v1/predict"
        assert httpx.post(url, json=schemas.EXAMPLE_RECORD).status_code == 401
        answer = httpx.post(url, json=schemas.EXAMPLE_RECORD, headers={"X-API-Key": "k"})
        assert answer.status_code == 200, answer.text
        assert answer.headers[schemas.VERSION_HEADER] == "test-7"
        assert httpx.get(server.url + "/ready").json()["model_name"] == "bike-demand-baseline"
    assert port_is_free(server.port)


def test_the_server_stops_even_when_the_code_using_it_fails(bundle: Path):
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="on purpose"), serving.serve(bundle) as server:
        raise RuntimeError("on purpose")
    assert port_is_free(server.port) and time.monotonic() - started < 120


def test_an_onnx_bundle_serves_what_the_pipeline_predicts(tmp_path: Path):
    from mlproject import export, train

    frame = data.load()
    model = train.fit(data.reference(frame), max_iter=20)
    folder = serving.save_bundle(
        tmp_path, None, name="m", version="onnx-1", onnx_bytes=export.to_onnx(model)
    )
    loaded = serving.load_bundle(folder)
    hours = serving.example_hours(frame, 20, seed=2)
    onnx, sklearn = api.predict_records(loaded.model, hours), api.predict_records(model, hours)
    assert loaded.version == "onnx-1"
    assert max(abs(a - b) for a, b in zip(onnx, sklearn, strict=True)) < 0.05


def test_a_server_started_outside_a_with_block_stops_when_its_python_exits():
    # A notebook that starts a server in one cell and fails before the cell that stops it.
    code = (
        "from mlops_course.servers import BackgroundServer, python_command\n"
        "s = BackgroundServer(python_command('http.server', '{port}', '--bind', '127.0.0.1'))\n"
        "s.start()\n"
        "print(s.port, flush=True)\n"
        "raise SystemExit(1)\n"
    )
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=60, check=False)
    assert finished.returncode == 1, finished.stderr
    assert port_is_free(int(finished.stdout.split()[0]))
