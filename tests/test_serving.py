"""The serving module: the request contract, bundles, the app, and servers that always stop."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from mlops_course import datasets, serving
from mlops_course.servers import port_is_free


class TenTimesTheHour:
    """A stand-in model: rentals = 10 x hour, so answers are easy to check."""

    info = serving.ModelInfo("test-model", "7")

    def predict(self, records):
        return [10.0 * r["hr"] for r in records]


def ready_client(app) -> TestClient:
    client = TestClient(app)
    client.__enter__()
    deadline = time.monotonic() + 10
    while client.get("/ready").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    return client


@pytest.fixture
def client():
    client = ready_client(serving.create_app(TenTimesTheHour, api_key=None))
    yield client
    client.__exit__(None, None, None)


def test_the_contract_accepts_the_example_and_a_missing_weather():
    serving.HourFeatures.model_validate(serving.EXAMPLE_HOUR)
    hour = serving.HourFeatures.model_validate({**serving.EXAMPLE_HOUR, "weathersit": None})
    assert hour.weathersit is None
    without = {k: v for k, v in serving.EXAMPLE_HOUR.items() if k != "weathersit"}
    assert serving.HourFeatures.model_validate(without).weathersit is None


@pytest.mark.parametrize(
    "change",
    [{"hr": 24}, {"hr": -1}, {"temp": 75.0}, {"hum": 101}, {"weekday": "Monday"},
     {"weathersit": "Snow"}, {"workingday": 2}, {"station": "A1"}],
    ids=str,
)
def test_the_contract_refuses_values_outside_the_data_card(change):
    with pytest.raises(ValidationError):
        serving.HourFeatures.model_validate({**serving.EXAMPLE_HOUR, **change})


def test_the_openapi_schema_carries_units_and_ranges(client):
    schema = client.get("/openapi.json").json()
    hour = schema["components"]["schemas"]["HourFeatures"]["properties"]
    assert hour["hr"]["minimum"] == 0 and hour["hr"]["maximum"] == 23
    assert "°C" in hour["temp"]["description"]
    assert "/v1/predict" in schema["paths"] and "/v1/predict/batch" in schema["paths"]


def test_health_answers_before_the_model_is_loaded_and_ready_waits_for_it():
    def slow_model():
        time.sleep(0.5)
        return TenTimesTheHour()

    with TestClient(serving.create_app(slow_model)) as client:
        assert client.get("/health").json() == {"status": "ok"}
        assert client.get("/ready").status_code == 503
        assert client.post("/v1/predict", json=serving.EXAMPLE_HOUR).status_code == 503
        time.sleep(1.0)
        assert client.get("/ready").json()["model_version"] == "7"


def test_a_model_that_fails_to_load_keeps_the_service_alive_but_not_ready():
    def broken():
        raise FileNotFoundError("no model here")

    with TestClient(serving.create_app(broken)) as client:
        time.sleep(0.2)
        assert client.get("/health").status_code == 200
        answer = client.get("/ready")
        assert answer.status_code == 503 and "no model here" in answer.json()["detail"]


def test_single_and_batch_predictions_carry_the_model_version(client):
    one = client.post("/v1/predict", json=serving.EXAMPLE_HOUR)
    assert one.status_code == 200
    assert one.json() == {"rentals": 80.0, "model_version": "7"}
    assert one.headers[serving.VERSION_HEADER] == "7"
    hours = [{**serving.EXAMPLE_HOUR, "hr": h} for h in (3, 0, 23)]
    batch = client.post("/v1/predict/batch", json={"records": hours}).json()
    assert batch == {"rentals": [30.0, 0.0, 230.0], "count": 3, "model_version": "7"}


def test_bad_input_gets_a_422_that_names_each_field(client):
    answer = client.post("/v1/predict", json={**serving.EXAMPLE_HOUR, "hr": 24, "hum": "wet"})
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"hr", "hum"}
    hours = [serving.EXAMPLE_HOUR, {**serving.EXAMPLE_HOUR, "temp": 99}]
    answer = client.post("/v1/predict/batch", json={"records": hours})
    assert [e["field"] for e in answer.json()["errors"]] == ["records.1.temp"]


@pytest.mark.parametrize(
    "body",
    [b"", b"{not json", b"[]", b"null", b'{"records": []}', b'{"records": "all"}'],
    ids=["empty", "broken", "list", "null", "no-records", "string"],
)
def test_hostile_bodies_get_422_never_500(client, body):
    for path in ("/v1/predict", "/v1/predict/batch"):
        answer = client.post(path, content=body, headers={"content-type": "application/json"})
        assert answer.status_code == 422, (path, body, answer.text)
        assert answer.json()["errors"]


def test_a_batch_over_the_limit_is_refused(client):
    hours = [serving.EXAMPLE_HOUR] * (serving.MAX_BATCH + 1)
    assert client.post("/v1/predict/batch", json={"records": hours}).status_code == 422


def test_the_api_key_guards_predictions_but_not_probes():
    client = ready_client(serving.create_app(TenTimesTheHour, api_key="s3cret"))
    try:
        assert client.get("/health").status_code == 200
        assert client.post("/v1/predict", json=serving.EXAMPLE_HOUR).status_code == 401
        for key, status in (("guess", 401), ("s3cret", 200)):
            headers = {serving.API_KEY_HEADER: key}
            answer = client.post("/v1/predict", json=serving.EXAMPLE_HOUR, headers=headers)
            assert answer.status_code == status
    finally:
        client.__exit__(None, None, None)


def test_predictions_are_logged_with_their_version(tmp_path: Path):
    log = tmp_path / "requests.jsonl"
    client = ready_client(serving.create_app(TenTimesTheHour, request_log=log))
    try:
        client.post("/v1/predict", json=serving.EXAMPLE_HOUR)
        client.post("/v1/predict/batch", json={"records": [serving.EXAMPLE_HOUR] * 2})
    finally:
        client.__exit__(None, None, None)
    rows = serving.read_request_log(log)
    assert len(rows) == 3 and {r["model_version"] for r in rows} == {"7"}
    assert rows[0]["hr"] == serving.EXAMPLE_HOUR["hr"] and rows[0]["rentals"] == 80.0


def test_metrics_count_requests_by_route_and_status(client):
    client.post("/v1/predict", json=serving.EXAMPLE_HOUR)
    client.post("/v1/predict", json={"hr": 99})
    text = client.get("/metrics").text
    assert 'http_requests_total{route="/v1/predict",status="200"} 1.0' in text
    assert 'http_requests_total{route="/v1/predict",status="422"} 1.0' in text
    assert 'predictions_total{model_version="7"} 1.0' in text


def test_example_hours_are_valid_requests():
    bodies = serving.example_hours(datasets.reference_period(), 50, seed=1)
    assert len(bodies) == 50
    for body in bodies:
        serving.HourFeatures.model_validate(body)
    assert any(b["weathersit"] is None for b in serving.example_hours(datasets.reference_period()))


def test_a_bundle_without_model_json_is_refused_with_a_clear_message(tmp_path: Path):
    with pytest.raises(serving.ServingError, match="not a model bundle"):
        serving.bundle_info(tmp_path)


@pytest.fixture(scope="module")
def onnx_bundle(tmp_path_factory) -> Path:
    from mlops_course import onnx_export

    reference = datasets.reference_period()
    model = onnx_export.train(reference, fast=True, max_iter=20)
    folder = tmp_path_factory.mktemp("bundle")
    info = serving.ModelInfo(serving.MODEL_NAME, "3")
    return serving.save_bundle(folder, model, info, onnx_bytes=onnx_export.to_onnx(model))


def test_an_onnx_bundle_round_trips(onnx_bundle: Path):
    predictor = serving.load_predictor(onnx_bundle)
    assert predictor.info.version == "3" and predictor.info.kind == "onnx"
    hours = [serving.EXAMPLE_HOUR, {**serving.EXAMPLE_HOUR, "weathersit": None}]
    rentals = predictor.predict(hours)
    assert len(rentals) == 2 and all(r >= 0 for r in rentals)


def test_a_sklearn_bundle_round_trips_through_skops(tmp_path: Path):
    from mlops_course import modelling

    reference = datasets.reference_period().head(500)
    model = modelling.linear_model().fit(modelling.features(reference), reference["cnt"])
    serving.save_bundle(tmp_path, model, serving.ModelInfo("m", "1"))
    predictor = serving.load_predictor(tmp_path)
    raw = model.predict(predictor.frame([serving.EXAMPLE_HOUR]))
    expected = [round(max(0.0, float(v)), 2) for v in raw]
    assert predictor.predict([serving.EXAMPLE_HOUR]) == expected


@pytest.mark.slow
def test_the_api_serves_over_http_and_its_port_is_free_afterwards(onnx_bundle: Path):
    with serving.serve(onnx_bundle, api_key="k") as api:
        port = api.port
        headers = {serving.API_KEY_HEADER: "k"}
        answer = httpx.post(api.url + "/v1/predict", json=serving.EXAMPLE_HOUR, headers=headers)
        assert answer.status_code == 200 and answer.json()["model_version"] == "3"
        assert httpx.get(api.url + "/docs").status_code == 200
    assert port_is_free(port)


@pytest.mark.slow
def test_the_server_stops_even_when_the_code_using_it_fails(onnx_bundle: Path):
    port = None
    failing = pytest.raises(RuntimeError, match="a cell that fails")
    with failing, serving.serve(onnx_bundle, ready_path="/health") as api:
        port = api.port
        raise RuntimeError("a cell that fails")
    assert port is not None and port_is_free(port)
