"""The latency harness: percentiles as numpy computes them, warm-up excluded, failures counted."""

from __future__ import annotations

import asyncio
import random

import numpy as np
import pytest

from mlops_course import loadtest


@pytest.mark.parametrize("n", [1, 2, 7, 100, 1001])
def test_percentiles_match_numpy_on_unsorted_samples(n):
    rng = random.Random(n)
    values = [rng.expovariate(1.0) for _ in range(n)]
    for q in (0, 1, 25, 50, 90, 95, 99, 99.9, 100):
        assert loadtest.percentile(values, q) == pytest.approx(np.percentile(values, q))


def test_percentile_refuses_empty_samples_and_bad_quantiles():
    with pytest.raises(loadtest.LoadTestError, match="empty"):
        loadtest.percentile([], 50)
    with pytest.raises(loadtest.LoadTestError, match="between 0 and 100"):
        loadtest.percentile([1.0], 101)


def sleeper(delays: dict[int, float], default: float = 0.001, fail_every: int = 0):
    calls: list[int] = []
    in_flight = {"now": 0, "max": 0}

    async def send(i: int):
        calls.append(i)
        in_flight["now"] += 1
        in_flight["max"] = max(in_flight["max"], in_flight["now"])
        try:
            await asyncio.sleep(delays.get(i, default))
            if fail_every and i % fail_every == 0:
                raise ConnectionError("refused")
            return True
        finally:
            in_flight["now"] -= 1

    return send, calls, in_flight


def test_warm_up_requests_are_sent_but_not_measured():
    slow_start = {i: 0.2 for i in range(5)}
    send, calls, _ = sleeper(slow_start)
    report = asyncio.run(loadtest.run_load(send, requests=20, warmup=5))
    assert sorted(calls) == list(range(25))
    assert report.requests == 20 and report.warmup == 5
    assert report.ms(100) < 150, "a slow warm-up request leaked into the measurements"


def test_failures_are_counted_with_their_reason_and_left_out_of_latencies():
    send, _, _ = sleeper({}, fail_every=4)
    report = asyncio.run(loadtest.run_load(send, requests=40, concurrency=4))
    assert report.failures == 10 and len(report.latencies) == 30
    assert report.reasons == {"ConnectionError": 10}
    assert report.error_rate == pytest.approx(0.25)


def test_non_2xx_responses_are_failures():
    class Answer:
        def __init__(self, status_code: int) -> None:
            self.status_code = status_code

    async def send(i: int):
        return Answer(503 if i % 2 else 200)

    report = asyncio.run(loadtest.run_load(send, requests=10))
    assert report.failures == 5 and report.reasons == {"HTTP 503": 5}


def test_concurrency_is_respected_and_raises_throughput():
    send, _, in_flight = sleeper({}, default=0.02)
    one = asyncio.run(loadtest.run_load(send, requests=20, concurrency=1))
    assert in_flight["max"] == 1
    send, _, in_flight = sleeper({}, default=0.02)
    five = asyncio.run(loadtest.run_load(send, requests=20, concurrency=5))
    assert in_flight["max"] == 5
    assert five.throughput > 2.5 * one.throughput


def test_an_open_loop_charges_queueing_to_the_requests_that_waited():
    # A server that handles one request at a time in 10 ms, under 200 arrivals per second.
    def server():
        lock = asyncio.Lock()

        async def send(i: int):
            async with lock:
                await asyncio.sleep(0.01)
            return True

        return send

    closed = asyncio.run(loadtest.run_load(server(), requests=20, concurrency=1))
    opened = asyncio.run(loadtest.run_load(server(), requests=20, concurrency=20, rate=200))
    assert closed.failures == 0 and opened.failures == 0
    # The closed loop only ever sees the 10 ms service time; the open loop sees the queue.
    assert opened.ms(50) > 3 * closed.ms(50)


def test_run_sync_works_inside_a_running_event_loop():
    async def inner():
        return loadtest.run_sync(asyncio.sleep(0.01, result="done"))

    assert asyncio.run(inner()) == "done"
    assert loadtest.run_sync(asyncio.sleep(0, result=3)) == 3


def test_speedup_compares_two_callables_side_by_side():
    import time

    result = loadtest.speedup(lambda: time.sleep(0.004), lambda: time.sleep(0.001), number=3)
    assert 1.5 < result.ratio < 6
    assert "x" in result.line("slow", "fast")


@pytest.mark.slow
def test_http_load_measures_a_real_server():
    from mlops_course.servers import BackgroundServer, port_is_free, python_command

    with BackgroundServer(python_command("http.server", "{port}", "--bind", "127.0.0.1")) as srv:
        # http.server answers POST with 501: every measured request is a failure, counted.
        report = loadtest.run_sync(
            loadtest.http_load(srv.url + "/", [{"a": 1}], requests=20, concurrency=2, warmup=2)
        )
        port = srv.port
    assert report.requests == 20 and report.failures == 20
    assert report.reasons == {"HTTP 501": 20}
    assert port_is_free(port)
