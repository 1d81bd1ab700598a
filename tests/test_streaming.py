"""Sprint 06 streaming: time to first token, time per token, throughput under concurrency."""

from __future__ import annotations

import math
import threading

import pytest

from mlops_course import llm, streaming


class StepClock:
    """A clock that advances by one second each time a piece is produced."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_ttft_and_tpot_are_measured_from_the_request_and_between_pieces():
    clock = StepClock()

    def pieces():
        clock.now += 2.0        # reading the prompt
        yield "Hel"
        for piece in ["lo", "", " wor", "ld"]:
            clock.now += 0.5
            yield piece

    timing = streaming.timed_stream(pieces(), clock=clock)
    assert timing.text == "Hello world" and timing.pieces == 4  # empty pieces are not tokens
    assert timing.ttft_s == 2.0 and timing.total_s == 4.0
    assert timing.tpot_s == pytest.approx(2.0 / 3) and timing.tokens_per_second == 1.0


def test_an_empty_stream_has_no_ttft_and_no_tpot():
    timing = streaming.timed_stream(iter([]))
    assert timing.pieces == 0 and math.isnan(timing.ttft_s) and math.isnan(timing.tpot_s)


def test_a_sweep_never_times_a_request_that_repeats_the_one_before():
    # a server that caches the previous prompt answers a repeat without reading it
    seen: list[int] = []

    def start(i: int):
        seen.append(i)
        return iter(["a", "b"] if i % 5 else [])  # every fifth request is cut before a token

    points = streaming.concurrency_sweep(start, levels=(1, 2, 4), warmup=1)
    timed = seen[1:]
    assert seen[0] < 0 and sorted(timed) == list(range(2 + 4 + 8))
    table = streaming.summarise(points)
    assert table["empty_streams"].sum() == sum(1 for i in timed if i % 5 == 0)


def test_the_closed_loop_keeps_exactly_the_asked_concurrency_in_flight():
    echo = llm.EchoBackend(latency_s=0.05, piece_chars=2)
    lock, in_flight, peak = threading.Lock(), [0], [0]

    def start(i: int):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        try:
            yield from echo.stream([{"role": "user", "content": f"request {i} of the test"}])
        finally:
            with lock:
                in_flight[0] -= 1

    point = streaming.run_concurrently(start, concurrency=3, requests=9)
    assert len(point.timings) == 9 and peak[0] == 3
    assert all(t.text.startswith("request") for t in point.timings)
    table = streaming.summarise([point], label="echo")
    assert table.loc[3, "requests"] == 9 and table.loc[3, "server"] == "echo"
    assert table.loc[3, "throughput_tokens_per_s"] > 0


def test_echo_streams_the_same_text_it_completes():
    echo = llm.EchoBackend(piece_chars=3)
    messages = [{"role": "user", "content": "stream me in small pieces please"}]
    assert "".join(echo.stream(messages)) == echo.complete(messages).text


@pytest.mark.llm
def test_the_local_server_streams_what_it_completes_and_queues_concurrent_requests():
    messages = [{"role": "user", "content": "Name three colours."}]
    with llm.local_llm_server() as server:
        backend = llm.OpenAICompatibleBackend(server.url + "/v1", model=llm.LOCAL_MODEL)
        # The first request reads the whole prompt; later ones reuse its cached start, which
        # can change the last digits of the logits and so a greedy answer: warm up first.
        backend.complete(messages, max_tokens=4)
        whole = backend.complete(messages, max_tokens=24)
        timing = streaming.timed_stream(backend.stream(messages, max_tokens=24))
        point = streaming.run_concurrently(
            lambda i: backend.stream(messages, max_tokens=24), concurrency=2, requests=2)
    assert timing.text.strip() == whole.text and timing.pieces == whole.completion_tokens
    assert timing.ttft_s < timing.total_s
    # one llama.cpp context: the second stream waits for the first, and both arrive whole
    assert [t.pieces for t in point.timings] == [whole.completion_tokens] * 2
    first, second = sorted(point.timings, key=lambda t: t.ttft_s)
    assert second.ttft_s > first.ttft_s + 0.5 * (first.total_s - first.ttft_s)

