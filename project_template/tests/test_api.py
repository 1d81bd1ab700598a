"""API tests over real HTTP: uvicorn on a free port, serving the registry's champion.

Two start-up cases (model still loading, model missing) are checked in-process with
FastAPI's TestClient: they need control over the loader, not a network.
"""

from __future__ import annotations

import dataclasses
import json
import threading

import httpx
import pytest
from fastapi.testclient import TestClient

from mlproject import api, registry, schemas
from mlproject import settings as cfg

pytestmark = pytest.mark.slow

RECORD = schemas.EXAMPLE_RECORD


def test_health_answers_and_ready_names_the_loaded_model(client, trained):
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready").json()
    assert ready == {"status": "ready", "model_name": "mlproject", "model_version": trained.version}


def test_predict_returns_rentals_and_the_model_version_in_body_and_header(client, trained):
    response = client.post("/v1/predict", json=RECORD)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rentals"] >= 0 and body["model_version"] == trained.version
    assert response.headers[schemas.VERSION_HEADER] == trained.version


def test_types_are_strict_but_a_whole_float_is_an_integer(client):
    assert client.post("/v1/predict", json={**RECORD, "hr": 8.0}).status_code == 200
    for change in ({"hr": "8"}, {"holiday": True}, {"hr": 8.5}):
        response = client.post("/v1/predict", json={**RECORD, **change})
        assert response.status_code == 422, (change, response.text)


def test_missing_weather_is_accepted_as_null(client):
    assert client.post("/v1/predict", json={**RECORD, "weathersit": None}).status_code == 200
    without = {k: v for k, v in RECORD.items() if k != "weathersit"}
    assert client.post("/v1/predict", json=without).status_code == 200


def test_a_batch_gives_the_same_answers_as_single_calls_in_order(client):
    records = [{**RECORD, "hr": hour} for hour in (3, 8, 17)]
    batch = client.post("/v1/predict/batch", json={"records": records}).json()
    singles = [client.post("/v1/predict", json=r).json()["rentals"] for r in records]
    assert batch["rentals"] == singles and batch["count"] == 3 and batch["model_version"]


def test_an_out_of_range_field_gives_422_naming_the_field_and_the_limit(client):
    response = client.post("/v1/predict", json={**RECORD, "hr": 24})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "hr" and "less than or equal to 23" in error["message"]


def test_a_label_sent_as_a_feature_is_refused(client):
    response = client.post("/v1/predict", json={**RECORD, "cnt": 100})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cnt"


def test_errors_in_a_batch_point_at_the_record(client):
    response = client.post("/v1/predict/batch", json={"records": [RECORD, {**RECORD, "temp": 80}]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "records.1.temp"


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"",
        b"[]",
        b'{"records": []}',
        b"null",
        json.dumps({**RECORD, "hum": "wet"}).encode(),
    ],
)
def test_malformed_bodies_get_422_never_500(client, body):
    for path in ("/v1/predict", "/v1/predict/batch"):
        response = client.post(path, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 422, (path, body, response.text)


def test_an_oversized_batch_is_refused(client):
    records = [RECORD] * (schemas.MAX_BATCH + 1)
    assert client.post("/v1/predict/batch", json={"records": records}).status_code == 422


def test_a_missing_or_wrong_api_key_gives_401(api_server):
    url = api_server.url + "/v1/predict"
    assert httpx.post(url, json=RECORD).status_code == 401
    wrong = httpx.post(url, json=RECORD, headers={"X-API-Key": "nope"})
    assert wrong.status_code == 401 and "X-API-Key" in wrong.json()["detail"]
    assert httpx.get(api_server.url + "/health").status_code == 200  # probes need no key


def test_metrics_count_requests_and_time_them(client):
    client.post("/v1/predict", json=RECORD)
    text = client.get("/metrics").text
    assert 'mlproject_http_requests_total{method="POST",route="/v1/predict",status="200"}' in text
    assert "mlproject_http_request_duration_seconds_bucket" in text
    assert 'mlproject_model_info{name="mlproject"' in text


def test_every_log_line_is_json_and_requests_are_logged(client, api_server):
    client.get("/health")
    lines = [line for line in api_server.log().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # fails on any non-JSON line
    requests = [e for e in entries if e["message"] == "request"]
    assert requests and {"method", "path", "status", "duration_ms", "request_id"} <= set(
        requests[-1]
    )


def test_predictions_are_logged_for_monitoring(client):
    client.post("/v1/predict", json={**RECORD, "hr": 11})
    log = cfg.get_settings().predictions_log
    last = json.loads(log.read_text().splitlines()[-1])
    assert last["hr"] == 11 and "prediction" in last and "model_version" in last


def test_ready_is_503_with_the_reason_when_the_model_cannot_load(trained):
    settings = dataclasses.replace(cfg.get_settings(), model_name="no-such-model")
    app = api.create_app(settings=settings)
    with TestClient(app) as local:
        assert app.state.model.done.wait(60), "loading neither finished nor failed"
        ready = local.get("/ready")
        assert ready.status_code == 503 and "make train" in ready.json()["detail"]
        assert local.get("/health").status_code == 200
        assert local.post("/v1/predict", json=RECORD).status_code == 503


def test_ready_is_503_until_the_model_has_loaded():
    release = threading.Event()

    def slow_loader(settings: cfg.Settings) -> registry.LoadedModel:
        release.wait(10)
        return registry.LoadedModel(object(), "m", "1", "champion", None)

    app = api.create_app(loader=slow_loader)
    with TestClient(app) as local:
        assert local.get("/health").status_code == 200
        assert local.get("/ready").status_code == 503
        release.set()
        app.state.model.done.wait(10)
        assert local.get("/ready").status_code == 200
