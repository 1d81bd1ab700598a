"""The traffic splitter and the canary/shadow router."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mlops_course import routing

KEYS = [f"user-{i}" for i in range(20_000)]


def test_the_observed_split_matches_the_configured_one():
    splitter = routing.TrafficSplitter({"v1": 0.9, "v2": 0.1}, salt="s")
    observed = splitter.observed(KEYS)
    assert observed["v2"] == pytest.approx(0.1, abs=0.01)
    three = routing.TrafficSplitter({"a": 0.5, "b": 0.3, "c": 0.2}).observed(KEYS)
    assert three == pytest.approx({"a": 0.5, "b": 0.3, "c": 0.2}, abs=0.015)


def test_the_same_key_gets_the_same_version_in_another_process():
    splitter = routing.TrafficSplitter({"v1": 0.5, "v2": 0.5}, salt="s")
    here = [splitter.choose(k) for k in KEYS[:200]]
    code = (
        "from mlops_course.routing import TrafficSplitter\n"
        "s = TrafficSplitter({'v1': 0.5, 'v2': 0.5}, salt='s')\n"
        "print(','.join(s.choose(f'user-{i}') for i in range(200)))"
    )
    there = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={"PYTHONHASHSEED": "random", "PATH": ""},
    ).stdout.strip().split(",")
    assert here == there


def test_raising_the_canary_share_only_moves_keys_to_the_canary():
    small = routing.TrafficSplitter({"v2": 0.05, "v1": 0.95}, salt="s")
    large = routing.TrafficSplitter({"v2": 0.25, "v1": 0.75}, salt="s")
    for key in KEYS[:2000]:
        if small.choose(key) == "v2":
            assert large.choose(key) == "v2"


def test_a_new_salt_reshuffles_assignments():
    a = routing.TrafficSplitter({"v1": 0.5, "v2": 0.5}, salt="one")
    b = routing.TrafficSplitter({"v1": 0.5, "v2": 0.5}, salt="two")
    moved = sum(a.choose(k) != b.choose(k) for k in KEYS[:2000])
    assert 800 < moved < 1200


@pytest.mark.parametrize(
    "weights", [{}, {"v1": 0.5}, {"v1": 1.2, "v2": -0.2}], ids=["empty", "half", "negative"]
)
def test_bad_weights_are_refused(weights):
    with pytest.raises(routing.RoutingError):
        routing.TrafficSplitter(weights)


def fake_backend(version: str, rentals: float) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/predict")
    def predict(body: dict) -> dict:
        return {"rentals": rentals, "model_version": version}

    @app.get("/ready")
    def ready() -> dict:
        return {"status": "ready"}

    return app


@pytest.fixture
def router(monkeypatch):
    backends = {"v1": fake_backend("1", 100.0), "v2": fake_backend("2", 110.0)}
    real_client = httpx.AsyncClient

    def in_process(*, base_url: str, timeout: float) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=backends[base_url.rsplit("/", 1)[-1]])
        return real_client(transport=transport, base_url="http://backend", timeout=timeout)

    monkeypatch.setattr(httpx, "AsyncClient", in_process)
    urls = {v: f"http://test/{v}" for v in backends}

    def make(weights, shadow=None):
        app = routing.create_router_app(urls, routing.TrafficSplitter(weights), shadow=shadow)
        return TestClient(app)

    return make


def test_the_router_forwards_by_key_and_counts_per_version(router):
    splitter = routing.TrafficSplitter({"v1": 0.8, "v2": 0.2})
    with router({"v1": 0.8, "v2": 0.2}) as client:
        for key in KEYS[:100]:
            answer = client.post("/v1/predict", json={}, headers={"X-Routing-Key": key})
            assert answer.headers[routing.ROUTED_HEADER] == splitter.choose(key)
            assert answer.json()["model_version"] == splitter.choose(key)[1]
        text = client.get("/metrics").text
        assert client.get("/ready").status_code == 200
    expected_v2 = sum(splitter.choose(k) == "v2" for k in KEYS[:100])
    labels = '{role="primary",status="200",version="v2"}'
    line = f"{routing.UPSTREAM_REQUESTS}{labels} {expected_v2}.0"
    assert line in text
    # The router's own requests, in mlproject's ApiMetrics, which slo.check reads.
    assert 'mlproject_http_requests_total{method="POST",route="/v1/predict",status="200"} 100.0' \
        in text


def test_shadow_traffic_is_compared_but_never_returned(router):
    with router({"v1": 1.0}, shadow="v2") as client:
        for key in KEYS[:20]:
            answer = client.post("/v1/predict", json={}, headers={"X-Routing-Key": key})
            assert answer.json()["model_version"] == "1"
        text = client.get("/metrics").text
    assert f'{routing.UPSTREAM_REQUESTS}{{role="shadow",status="200",version="v2"}} 20.0' in text
    assert f"{routing.SHADOW_DIFFERENCE}_count 20.0" in text


def test_a_router_without_a_backend_for_a_version_is_refused():
    with pytest.raises(routing.RoutingError, match="v2"):
        routing.create_router_app({"v1": "http://x"}, routing.TrafficSplitter({"v1": .5, "v2": .5}))
