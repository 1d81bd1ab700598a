"""Sprint 06 gateway: semantic cache policy, rate limit, routing, fallback, cost and latency."""

from __future__ import annotations

import numpy as np
import pytest

from mlops_course import gateway as gw
from mlops_course.llm import EchoBackend, LLMError, OpenAICompatibleBackend
from mlops_course.rag import HashingEmbedder
from mlops_course.servers import free_port


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


VECTORS = {
    "how do i register a model": unit(1, 0, 0),
    "how can i register a model": unit(0.98, 0.2, 0),
    "how do i delete a model": unit(0.6, 0.8, 0),
    "what is drift": unit(0, 0, 1),
}


def embed(texts):
    return np.stack([VECTORS[t] for t in texts])


def test_cache_hits_a_paraphrase_and_misses_a_different_question():
    cache = gw.SemanticCache(embed, threshold=0.95)
    cache.store("how do i register a model", "use mlflow.register_model")
    hit = cache.lookup("how can i register a model")
    assert hit and hit.answer == "use mlflow.register_model" and hit.similarity > 0.95
    assert cache.lookup("how do i delete a model") is None
    assert (cache.hits, cache.misses) == (1, 1) and cache.hit_rate == 0.5


def test_cache_returns_the_most_similar_entry():
    cache = gw.SemanticCache(embed, threshold=0.5)
    cache.store("how do i delete a model", "delete")
    cache.store("how do i register a model", "register")
    assert cache.lookup("how can i register a model").answer == "register"


def test_cache_entries_expire_and_the_least_recently_used_is_evicted():
    clock = FakeClock()
    cache = gw.SemanticCache(embed, threshold=0.95, ttl_seconds=10, max_entries=2, clock=clock)
    cache.store("how do i register a model", "a")
    clock.now = 11
    assert cache.lookup("how do i register a model") is None and len(cache) == 0
    cache.store("how do i register a model", "a")
    cache.store("what is drift", "b")
    cache.lookup("how do i register a model")  # now the most recently used
    cache.store("how do i delete a model", "c")
    assert set(cache.entries) == {"how do i register a model", "how do i delete a model"}


def test_rate_limiter_allows_a_burst_then_the_refill_rate():
    clock = FakeClock()
    limiter = gw.RateLimiter(capacity=3, refill_per_second=1, clock=clock)
    assert [limiter.allow("ana") for _ in range(4)] == [True, True, True, False]
    assert limiter.retry_after("ana") == pytest.approx(1.0)
    assert limiter.allow("ben")  # buckets are per caller
    clock.now = 1.0
    assert limiter.allow("ana") and not limiter.allow("ana")


def test_gateway_falls_back_when_the_primary_is_unreachable():
    dead = OpenAICompatibleBackend(f"http://127.0.0.1:{free_port()}/v1", model="big", timeout=2)
    gateway = gw.Gateway([gw.Route("hosted", dead, price_in=1, price_out=2),
                          gw.Route("local", EchoBackend(), hourly_cost=0.0)])
    reply = gateway.chat("hello there")
    assert reply.status == "ok" and reply.route == "local" and len(reply.errors) == 1
    assert "hosted" in reply.errors[0]


def test_gateway_raises_when_every_route_fails():
    class Broken(EchoBackend):
        def complete(self, messages, **kwargs):
            raise LLMError("down")

    gateway = gw.Gateway([gw.Route("a", Broken()), gw.Route("b", Broken())])
    with pytest.raises(gw.GatewayError, match="a: LLMError: down"):
        gateway.chat("hi")
    assert gateway.report()["status"].tolist() == ["failed"]


def test_gateway_caches_rate_limits_and_reports_cost():
    echo = EchoBackend(latency_s=0.0)
    clock = FakeClock()
    gateway = gw.Gateway(
        [gw.Route("paid", echo, price_in=1_000_000, price_out=0)],
        cache=gw.SemanticCache(HashingEmbedder().encode, threshold=0.99),
        limiter=gw.RateLimiter(capacity=2, refill_per_second=0, clock=clock),
    )
    first = gateway.chat("what is a semantic cache")
    second = gateway.chat("what is a semantic cache")
    third = gateway.chat("what is a semantic cache")
    assert (first.status, second.status, third.status) == ("ok", "cached", "rate_limited")
    assert echo.calls == 1 and first.cost_usd == pytest.approx(first.prompt_tokens)
    report = gateway.report()
    assert report["status"].tolist() == ["ok", "cached", "rate_limited"]
    assert set(gw.summarise(report).index) == {"ok", "cached", "rate_limited"}


def test_router_by_prompt_length_puts_the_right_route_first():
    small, big = gw.Route("small", EchoBackend("s")), gw.Route("big", EchoBackend("b"))
    router = gw.by_prompt_length(20, short="small", long="big")
    assert [r.name for r in router([{"content": "short"}], [big, small])] == ["small", "big"]
    assert router([{"content": "x" * 50}], [small, big])[0].name == "big"


def test_route_cost_adds_token_prices_and_machine_time():
    from mlops_course.llm import Completion

    done = Completion("x", "m", "b", prompt_tokens=1000, completion_tokens=500, latency_s=36)
    route = gw.Route("r", EchoBackend(), price_in=0.5, price_out=2.0, hourly_cost=1.0)
    assert route.cost(done) == pytest.approx(0.0005 + 0.001 + 0.01)


def test_the_cache_pairs_ship_with_both_labels_and_distinct_questions():
    pairs = gw.load_cache_pairs()
    assert {p.same_answer for p in pairs} == {True, False}
    assert all(p.first.strip() and p.second.strip() and p.first != p.second for p in pairs)


def test_a_missing_pairs_file_says_how_to_restore_it(tmp_path):
    with pytest.raises(gw.GatewayError, match="git checkout"):
        gw.load_cache_pairs(tmp_path / "cache_pairs.jsonl")


# --- streaming -----------------------------------------------------------------------------------

KEY = "sk-proj-4fK9xQ2mLp7Rt8Vw3Zb6Nc1Hd5Jg0Ys"
LEAKY = ("Here is the configuration you asked for, including the key you pasted earlier: "
         + KEY + " and then a long tail of words that must never reach the client at all.")


class CountingEcho(EchoBackend):
    """Echo that records how many pieces it produced and whether its stream was closed."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.produced = 0
        self.closed = False

    def stream(self, messages, *, max_tokens=96, temperature=0.0):
        try:
            for piece in super().stream(messages, max_tokens=max_tokens):
                self.produced += 1
                yield piece
        finally:
            self.closed = True


def test_a_clean_stream_arrives_whole_then_done_and_is_cached():
    echo = EchoBackend(piece_chars=3)
    gateway = gw.Gateway([gw.Route("echo", echo)],
                         cache=gw.SemanticCache(embed, threshold=0.95))
    events = list(gateway.stream("how do i register a model"))
    assert "".join(e.text for e in events if e.kind == "chunk") == "how do i register a model"
    assert [e.kind for e in events][-1] == "done" and events[-1].route == "echo"
    again = list(gateway.stream("how can i register a model"))
    assert [e.kind for e in again] == ["chunk", "done"] and again[-1].route == "cache"
    assert gateway.report().status.tolist() == ["ok", "cached"]


def test_a_stream_falls_back_when_the_first_route_fails_before_any_text():
    dead = OpenAICompatibleBackend(f"http://127.0.0.1:{free_port()}/v1", model="x", timeout=2)
    gateway = gw.Gateway([gw.Route("dead", dead), gw.Route("echo", EchoBackend())])
    events = list(gateway.stream("hello there"))
    assert events[-1].kind == "done" and events[-1].route == "echo"
    assert gateway.report().fallbacks.tolist() == [1]


def test_a_rate_limited_stream_sends_no_text():
    gateway = gw.Gateway([gw.Route("echo", EchoBackend())],
                         limiter=gw.RateLimiter(capacity=1, refill_per_second=0))
    list(gateway.stream("first"))
    events = list(gateway.stream("second"))
    assert [e.kind for e in events] == ["rate_limited"]


def test_a_blocked_stream_closes_the_model_stream_and_sends_none_of_the_key():
    echo = CountingEcho(piece_chars=3)
    gateway = gw.Gateway([gw.Route("echo", echo)], max_tokens=200)
    events = list(gateway.stream(LEAKY))
    assert [e.kind for e in events[:-1]] == ["chunk"] * (len(events) - 1)
    assert events[-1].kind == "blocked" and "openai_key" in events[-1].reasons
    sent = "".join(e.text for e in events[:-1])
    assert LEAKY.startswith(sent) and "sk-" not in sent
    assert echo.closed and echo.produced < len(LEAKY) / 3  # generation stopped at the block
    assert gateway.report().status.tolist() == ["blocked"]


def test_a_cached_answer_is_checked_before_it_is_streamed():
    # chat() stores answers unchecked; the stream must not replay a leak from the cache
    gateway = gw.Gateway([gw.Route("echo", EchoBackend())], max_tokens=200,
                         cache=gw.SemanticCache(embed, threshold=0.95))
    # someone asked "what is drift" and the answer leaked a key; the same question, streamed
    assert KEY in gateway.chat(LEAKY, cache_key="what is drift").text
    events = list(gateway.stream("what is drift"))
    assert [e.kind for e in events] == ["blocked"] and events[0].route == "cache"
    assert "openai_key" in events[0].reasons
    assert gateway.report().status.tolist() == ["ok", "blocked"]


def test_over_http_a_blocked_stream_stops_with_a_final_event_saying_why():
    echo = CountingEcho(piece_chars=3, latency_s=0.5)
    gateway = gw.Gateway([gw.Route("echo", echo)], max_tokens=200)
    with gw.serve(gw.create_app(gateway)) as url:
        events = list(gw.stream_events(url, LEAKY))
        clean = list(gw.stream_events(url, "how do i register a model"))
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "blocked" and kinds.count("blocked") == 1
    assert set(kinds[:-1]) == {"chunk"}  # chunks, then the block, then nothing
    assert events[-1][1] == {"status": "blocked", "route": "echo", "reasons": ["openai_key"]}
    sent = "".join(data["text"] for kind, data in events if kind == "chunk")
    assert LEAKY.startswith(sent) and "sk-" not in sent
    assert echo.closed and echo.produced < len(LEAKY) / 3
    assert [kind for kind, _ in clean][-1] == "done"
    assert "".join(d.get("text", "") for _, d in clean) == "how do i register a model"


def test_the_http_stream_rejects_a_request_without_messages():
    import httpx

    gateway = gw.Gateway([gw.Route("echo", EchoBackend())])
    with gw.serve(gw.create_app(gateway)) as url:
        response = httpx.post(url + "/v1/chat/stream", json={"messages": []})
    assert response.status_code == 422


def test_the_simulated_clock_drives_a_rate_limit_the_same_way_every_run():
    arrivals = gw.SimulatedClock()
    limiter = gw.RateLimiter(capacity=1, refill_per_second=0.5, clock=arrivals)
    assert limiter.allow("ana") and not limiter.allow("ana")
    assert arrivals.advance(2.0) == 2.0 and limiter.allow("ana")


def test_hosted_and_local_routes_fall_back_to_recordings_in_fast_mode(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    hosted, local = gw.hosted_and_local_routes(fast=True)
    assert (hosted.name, local.name) == ("hosted", "local")
    assert local.backend.name == "recorded" and local.hourly_cost > 0 and hosted.price_in > 0
    assert hosted.backend.base_url != "http://127.0.0.1:9/v1"  # fast mode ignores it
    with pytest.raises(LLMError, match="Could not reach"):
        hosted.backend.complete([{"role": "user", "content": "hi"}])
