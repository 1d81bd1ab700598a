"""SLO checks over the Prometheus metrics text that mlproject's ApiMetrics exports."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mlproject.observability import ApiMetrics

from mlops_course import slo


def scraped(latencies: list[float], statuses: list[int], route: str = "/v1/predict") -> str:
    from prometheus_client import generate_latest

    metrics = ApiMetrics()
    for seconds, status in zip(latencies, statuses, strict=True):
        metrics.observe("POST", route, status, seconds)
    metrics.observe("GET", "/ready", 503, 0.0001)  # probes never count
    return generate_latest(metrics.registry).decode()


def test_availability_counts_5xx_as_failures_and_4xx_as_answered():
    text = scraped([0.01] * 200, [200] * 190 + [422] * 8 + [500] * 2)
    availability, _ = slo.check(text, availability=0.99)
    assert availability.actual == pytest.approx(0.99) and availability.events == 200
    assert availability.ok
    assert availability.budget_left == pytest.approx(0.0, abs=1e-9)


def test_latency_share_is_read_exactly_at_a_bucket_boundary():
    latencies = [0.02] * 90 + [0.2] * 10
    _, latency = slo.check(scraped(latencies, [200] * 100), latency_seconds=0.1)
    assert latency.actual == pytest.approx(0.90)
    assert not latency.ok and latency.budget_left == pytest.approx(-1.0)


def test_a_threshold_between_buckets_is_refused_with_the_boundaries():
    with pytest.raises(slo.SLOError, match="bucket boundary"):
        slo.check(scraped([0.01], [200]), latency_seconds=0.03)


def test_no_traffic_yet_is_an_error_not_a_pass():
    with pytest.raises(slo.SLOError, match="no answered requests"):
        slo.check(scraped([], []))


def test_histogram_quantile_interpolates_like_promql():
    rng = np.random.default_rng(0)
    latencies = list(rng.uniform(0.01, 0.025, size=1000))
    cumulative = slo.buckets(slo.parse(scraped(latencies, [200] * 1000)), slo.LATENCY)
    # Uniform inside one bucket (0.01, 0.025]: interpolation recovers the quantile.
    assert slo.histogram_quantile(0.5, cumulative) == pytest.approx(0.0175, abs=0.001)
    assert math.isnan(slo.histogram_quantile(0.5, [(0.1, 0.0), (math.inf, 0.0)]))
    assert slo.histogram_quantile(0.99, [(0.1, 1.0), (math.inf, 100.0)]) == 0.1


def test_the_checks_read_the_metric_names_the_api_exports():
    text = scraped([0.01], [200])
    names = {sample.name for sample in slo.parse(text)}
    assert slo.REQUESTS in names and f"{slo.LATENCY}_bucket" in names
