"""An LLM gateway in one process: routing, fallback, a semantic cache, a rate limit, and the cost
and latency of every request.

    gateway = Gateway(
        [Route("local", LlamaCppBackend(), hourly_cost=0.05),
         Route("hosted", OpenAICompatibleBackend(model="gpt-4o-mini"),
               price_in=0.15, price_out=0.6)],
        cache=SemanticCache(get_embedder().encode, threshold=0.9),
        limiter=RateLimiter(capacity=5, refill_per_second=1.0),
    )
    reply = gateway.chat("What is a champion alias?", user="ana")
    for event in gateway.stream("What is a champion alias?", user="ana"):
        ...                   # chunks as they are generated, checked by the output guardrail
    gateway.report()          # one row per request: route, status, latency, tokens, cost

    with serve(create_app(gateway)) as url:        # the same gateway over HTTP, with uvicorn
        for event in stream_events(url, "What is a champion alias?"):   # server-sent events
            ...

Products such as LiteLLM, Portkey or a cloud's AI gateway do the same between many teams and
many providers, as a service; this module keeps each idea small enough to read in one sitting.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from mlops_course import settings
from mlops_course.guardrails import StreamBlocked, StreamGuard, block_secrets
from mlops_course.llm import ChatBackend, Completion, Message, as_messages

Clock = Callable[[], float]
CACHE_PAIRS_FILE = settings.SPRINTS_DIR / "06-llmops" / "data" / "cache_pairs.jsonl"


class GatewayError(RuntimeError):
    """Every route failed for a request; the message lists why each one did."""


class SimulatedClock:
    """A clock that shows the time you set: simulated arrivals give the same run every time.

        arrivals = SimulatedClock()
        limiter = RateLimiter(capacity=3, refill_per_second=0.2, clock=arrivals)
        arrivals.now = 4.0        # the next request arrives four seconds in
    """

    def __init__(self, start: float = 0.0) -> None:
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


# --- semantic cache ------------------------------------------------------------------------------


@dataclass
class CacheEntry:
    query: str
    vector: np.ndarray
    answer: str
    created: float


@dataclass(frozen=True)
class CacheHit:
    answer: str
    query: str         # the cached question that matched
    similarity: float  # cosine similarity between the new and the cached question


@dataclass(frozen=True)
class QuestionPair:
    """Two questions, labelled with whether one answer serves both (a cache may reuse it)."""

    first: str
    second: str
    same_answer: bool


def load_cache_pairs(path: Path | None = None) -> list[QuestionPair]:
    """The labelled pairs that 06c uses to choose the semantic cache's threshold."""
    path = path or CACHE_PAIRS_FILE
    if not path.is_file():
        raise GatewayError(f"{path} is missing; restore it with `git checkout -- {path}`.")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [QuestionPair(**json.loads(line)) for line in lines if line.strip()]


class SemanticCache:
    """Answers a question again when a *similar enough* question was answered before.

    Policy: embed the question; find the cached question with the highest cosine similarity;
    it is a hit when that similarity is at least `threshold` and the entry is younger than
    `ttl_seconds`. A hit refreshes the entry's place in the LRU order; storing past
    `max_entries` evicts the least recently used entry. The threshold is the whole trade-off:
    too low and "How do I delete a run?" gets the answer to "How do I create a run?".
    """

    def __init__(self, embed: Callable[[Sequence[str]], np.ndarray], *, threshold: float = 0.9,
                 max_entries: int = 256, ttl_seconds: float | None = None,
                 clock: Clock = time.monotonic) -> None:
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        self.embed, self.threshold = embed, threshold
        self.max_entries, self.ttl_seconds, self.clock = max_entries, ttl_seconds, clock
        self.entries: OrderedDict[str, CacheEntry] = OrderedDict()
        self.hits = self.misses = 0

    def _vector(self, text: str) -> np.ndarray:
        vector = np.asarray(self.embed([text]), dtype=np.float32)[0]
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def _expired(self, entry: CacheEntry) -> bool:
        return self.ttl_seconds is not None and self.clock() - entry.created > self.ttl_seconds

    def lookup(self, query: str) -> CacheHit | None:
        for key in [k for k, e in self.entries.items() if self._expired(e)]:
            del self.entries[key]
        if not self.entries:
            self.misses += 1
            return None
        vector = self._vector(query)
        keys = list(self.entries)
        matrix = np.stack([self.entries[k].vector for k in keys])
        similarities = matrix @ vector
        best = int(np.argmax(similarities))
        if float(similarities[best]) < self.threshold:
            self.misses += 1
            return None
        self.entries.move_to_end(keys[best])
        self.hits += 1
        entry = self.entries[keys[best]]
        return CacheHit(entry.answer, entry.query, float(similarities[best]))

    def store(self, query: str, answer: str) -> None:
        self.entries[query] = CacheEntry(query, self._vector(query), answer, self.clock())
        self.entries.move_to_end(query)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


# --- rate limit ----------------------------------------------------------------------------------


class RateLimiter:
    """A token bucket per caller: `capacity` requests at once, refilled at `refill_per_second`.

    A burst up to the capacity passes; after that, requests pass at the refill rate. A refused
    request is told how long to wait (HTTP APIs answer 429 with a Retry-After header).
    """

    def __init__(self, capacity: float, refill_per_second: float, *,
                 clock: Clock = time.monotonic) -> None:
        if capacity <= 0 or refill_per_second < 0:
            raise ValueError("capacity must be positive and refill_per_second not negative")
        self.capacity, self.rate, self.clock = float(capacity), float(refill_per_second), clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last update)

    def _level(self, key: str) -> float:
        tokens, last = self._buckets.get(key, (self.capacity, self.clock()))
        now = self.clock()
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        self._buckets[key] = (tokens, now)
        return tokens

    def allow(self, key: str = "default") -> bool:
        """Take one token for `key` if there is one; False means: refuse this request."""
        tokens = self._level(key)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, self._buckets[key][1])
            return True
        return False

    def retry_after(self, key: str = "default") -> float:
        """Seconds until `key` has a token again."""
        missing = 1 - self._level(key)
        if missing <= 0:
            return 0.0
        return missing / self.rate if self.rate else float("inf")


# --- routes and the gateway ----------------------------------------------------------------------


@dataclass
class Route:
    """A backend with its price: per million tokens (hosted APIs) or per hour (own machines)."""

    name: str
    backend: ChatBackend
    price_in: float = 0.0    # USD per million prompt tokens
    price_out: float = 0.0   # USD per million completion tokens
    hourly_cost: float = 0.0  # USD per hour of the machine that runs it (self-hosted)

    def cost(self, completion: Completion) -> float:
        """What one request cost: tokens times price, plus the machine time it took."""
        return (completion.prompt_tokens * self.price_in
                + completion.completion_tokens * self.price_out) / 1e6 + (
            completion.latency_s * self.hourly_cost / 3600)


def hosted_and_local_routes(fast: bool, *, record: bool = False,
                            price_in: float = 0.15, price_out: float = 0.60,
                            hourly_cost: float = 0.05) -> list[Route]:
    """Two routes for 06c: a larger `hosted` model first, the local SmolLM2 as `local` fallback.

    `hosted` is the endpoint configured with `OPENAI_BASE_URL`/`OPENAI_API_KEY` (never in fast
    mode) or, when there is none, an address where nothing listens, so the fallback is
    exercised by a real connection failure. `local` replays recordings in fast mode, and with
    `record` wraps the real model so new answers can be saved. Prices are illustrative: per
    million tokens for the hosted model, per hour of machine time for the local one.
    """
    from mlops_course import llm
    from mlops_course.servers import free_port

    endpoint = None if fast else llm.endpoint_from_env()
    local: ChatBackend = llm.LlamaCppBackend() if endpoint else llm.backend_from_env(fast=fast)
    if record and not fast:
        local = llm.RecordedBackend(record_from=local)
    if endpoint:
        hosted: ChatBackend = llm.OpenAICompatibleBackend(
            endpoint["base_url"], model=endpoint["model"], api_key=endpoint["api_key"])
    else:
        hosted = llm.OpenAICompatibleBackend(f"http://127.0.0.1:{free_port()}/v1",
                                             model="large", timeout=2)
    return [Route("hosted", hosted, price_in=price_in, price_out=price_out),
            Route("local", local, hourly_cost=hourly_cost)]


Router = Callable[[list[dict], Sequence[Route]], list[Route]]


def in_order(messages: list[dict], routes: Sequence[Route]) -> list[Route]:
    """The simplest router: try the routes in the order given (the first is the primary)."""
    return list(routes)


def by_prompt_length(max_chars: int, *, short: str, long: str) -> Router:
    """A router that sends short prompts to route `short` first and long ones to `long` first.

    Cheap small models handle short, well-grounded questions; long or complex prompts go to the
    bigger model. The other route stays as the fallback either way.
    """
    def route(messages: list[dict], routes: Sequence[Route]) -> list[Route]:
        size = sum(len(str(m.get("content", ""))) for m in messages)
        first = short if size <= max_chars else long
        return sorted(routes, key=lambda r: r.name != first)

    return route


@dataclass(frozen=True)
class StreamEvent:
    """One event of a streamed answer: `chunk` with text, or the final status with reasons."""

    kind: str   # "chunk", "done", "blocked", "rate_limited" or "failed"
    text: str = ""
    route: str | None = None
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text} if self.kind == "chunk" else {
            "status": self.kind, "route": self.route, "reasons": self.reasons}


@dataclass
class GatewayResponse:
    """What the gateway answered, and the bookkeeping of the request."""

    text: str
    status: str   # "ok", "cached", "rate_limited", "blocked" (streams) or "failed"
    route: str | None
    latency_s: float
    cost_usd: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    user: str = "default"
    errors: list[str] = field(default_factory=list)  # failed attempts before the answer


class Gateway:
    """One front door to several models: rate limit, cache, route, fall back, and record."""

    def __init__(self, routes: Sequence[Route], *, router: Router = in_order,
                 cache: SemanticCache | None = None, limiter: RateLimiter | None = None,
                 max_tokens: int = 96, clock: Clock = time.perf_counter) -> None:
        if not routes:
            raise ValueError("a gateway needs at least one route")
        self.routes, self.router, self.cache, self.limiter = list(routes), router, cache, limiter
        self.max_tokens, self.clock = max_tokens, clock
        self.log: list[GatewayResponse] = []

    def chat(self, prompt: str | Sequence[Message], *, system: str | None = None,
             user: str = "default", cache_key: str | None = None) -> GatewayResponse:
        """Answer one request. `cache_key` (default: the last user message) is what the cache
        compares: the question, not the whole prompt with its retrieved context."""
        start = self.clock()
        messages = as_messages(prompt, system)
        key = cache_key if cache_key is not None else str(messages[-1]["content"])
        if self.limiter is not None and not self.limiter.allow(user):
            wait = self.limiter.retry_after(user)
            return self._done(GatewayResponse(
                f"Too many requests: try again in {wait:.1f} s.", "rate_limited", None,
                self.clock() - start, user=user))
        if self.cache is not None and (hit := self.cache.lookup(key)) is not None:
            return self._done(GatewayResponse(hit.answer, "cached", "cache",
                                              self.clock() - start, user=user))
        errors: list[str] = []
        for route in self.router(messages, self.routes):
            try:
                completion = route.backend.complete(messages, max_tokens=self.max_tokens)
            except Exception as err:  # noqa: BLE001 - any failure of a route means: fall back
                errors.append(f"{route.name}: {type(err).__name__}: {err}"[:300])
                continue
            if self.cache is not None:
                self.cache.store(key, completion.text)
            overhead = self.clock() - start - completion.latency_s
            return self._done(GatewayResponse(
                completion.text, "ok", route.name, completion.latency_s + max(overhead, 0.0),
                route.cost(completion), completion.prompt_tokens, completion.completion_tokens,
                user, errors))
        self._done(GatewayResponse("", "failed", None, self.clock() - start, user=user,
                                   errors=errors))
        raise GatewayError("Every route failed:\n  " + "\n  ".join(errors))

    def stream(self, prompt: str | Sequence[Message], *, system: str | None = None,
               user: str = "default", cache_key: str | None = None,
               check: Callable[[str], Sequence[str]] = block_secrets,
               hold: int = 64) -> Iterator[StreamEvent]:
        """Answer one request as a stream of events, the output checked as it is generated.

        Events: `chunk` (text that passed the check), then exactly one final event: `done`,
        `blocked` (the check fired: the model's stream is closed, nothing of the match was
        sent, and `reasons` says why), `rate_limited` or `failed`. The guard holds back the
        last `hold` characters until more text arrives (see `guardrails.StreamGuard`). A route
        that fails before its first piece falls back to the next one; once text has gone out,
        a failure ends the stream, since the client cannot take back what it has read.
        """
        start = self.clock()
        messages = as_messages(prompt, system)
        key = cache_key if cache_key is not None else str(messages[-1]["content"])
        if self.limiter is not None and not self.limiter.allow(user):
            wait = self.limiter.retry_after(user)
            self._done(GatewayResponse("", "rate_limited", None, self.clock() - start, user=user))
            yield StreamEvent("rate_limited", reasons=[f"try again in {wait:.1f} s"])
            return
        if self.cache is not None and (hit := self.cache.lookup(key)) is not None:
            # A cached answer goes through the same check: `chat` stores answers unchecked,
            # and a semantic cache would hand one user's leak to another's similar question.
            if reasons := list(check(hit.answer)):
                self._done(GatewayResponse("", "blocked", "cache", self.clock() - start,
                                           user=user))
                yield StreamEvent("blocked", route="cache", reasons=reasons)
                return
            self._done(GatewayResponse(hit.answer, "cached", "cache", self.clock() - start,
                                       user=user))
            yield StreamEvent("chunk", hit.answer)
            yield StreamEvent("done", route="cache")
            return
        errors: list[str] = []
        for route in self.router(messages, self.routes):
            outcome = yield from self._stream_route(route, messages, check, hold, errors)
            if outcome is None:  # failed before any text: fall back
                continue
            status, text, pieces, reasons = outcome
            if status == "ok" and self.cache is not None:
                self.cache.store(key, text)
            self._done(GatewayResponse(text, status, route.name, self.clock() - start,
                                       completion_tokens=pieces, user=user, errors=errors))
            yield StreamEvent("done" if status == "ok" else status, route=route.name,
                              reasons=reasons)
            return
        self._done(GatewayResponse("", "failed", None, self.clock() - start, user=user,
                                   errors=errors))
        yield StreamEvent("failed", reasons=errors)

    def _stream_route(self, route: Route, messages: list[dict],
                      check: Callable[[str], Sequence[str]], hold: int, errors: list[str]):
        """Stream one route through a guard; None when it failed before sending anything."""
        guard = StreamGuard(check, hold=hold)
        source: Iterator[str] | None = None
        sent, pieces = "", 0
        try:
            source = iter(route.backend.stream(messages, max_tokens=self.max_tokens))
            for piece in source:
                pieces += 1
                ready = guard.feed(piece)
                if ready:
                    sent += ready
                    yield StreamEvent("chunk", ready)
            ready = guard.finish()
        except StreamBlocked as blocked:
            return "blocked", sent, pieces, blocked.reasons
        except Exception as err:  # noqa: BLE001 - any failure of a route means: fall back
            errors.append(f"{route.name}: {type(err).__name__}: {err}"[:300])
            return None if not sent else ("failed", sent, pieces, errors)
        finally:
            close = getattr(source, "close", None)
            if close is not None:  # a generator: closing it runs its cleanup
                close()  # stops the model's generation (and its HTTP stream) at once
        if ready:
            sent += ready
            yield StreamEvent("chunk", ready)
        return "ok", sent, pieces, []

    def _done(self, response: GatewayResponse) -> GatewayResponse:
        self.log.append(response)
        return response

    def report(self):
        """One row per request (pandas DataFrame): status, route, latency, tokens, cost."""
        import pandas as pd

        columns = ["user", "status", "route", "latency_s", "prompt_tokens",
                   "completion_tokens", "cost_usd", "fallbacks"]
        rows = [{**{c: getattr(r, c) for c in columns[:-1]}, "fallbacks": len(r.errors)}
                for r in self.log]
        return pd.DataFrame(rows, columns=columns)


def summarise(report, by: str = "status") -> Mapping[str, object]:
    """Requests, p50/p95 latency and total cost per value of `by` in a gateway report."""
    grouped = report.groupby(by, dropna=False)
    return grouped.agg(
        requests=("latency_s", "size"),
        p50_latency_s=("latency_s", lambda s: float(np.percentile(s, 50))),
        p95_latency_s=("latency_s", lambda s: float(np.percentile(s, 95))),
        cost_usd=("cost_usd", "sum"),
    )


# --- the gateway over HTTP: server-sent events ---------------------------------------------------


class ChatMessage(BaseModel):
    """One message of a chat request, as in the OpenAI protocol."""

    role: str = "user"
    content: str


class StreamRequest(BaseModel):
    """The body of `POST /v1/chat/stream`."""

    messages: list[ChatMessage] = Field(min_length=1)
    user: str = "default"


def create_app(gateway: Gateway, *, check: Callable[[str], Sequence[str]] = block_secrets):
    """A FastAPI app with `POST /v1/chat/stream`: the gateway's stream as server-sent events.

    Each `chunk` event carries `{"text": ...}`; the last event is `done`, `blocked`,
    `rate_limited` or `failed` with `{"status", "route", "reasons"}`. FastAPI's
    `EventSourceResponse` writes the `text/event-stream` format; the path function is a plain
    generator, which FastAPI runs in its thread pool because the backends block.
    """
    from fastapi import FastAPI
    from fastapi.sse import EventSourceResponse, ServerSentEvent

    app = FastAPI(title="Course LLM gateway")

    @app.post("/v1/chat/stream", response_class=EventSourceResponse)
    def chat_stream(request: StreamRequest):
        messages = [m.model_dump() for m in request.messages]
        for event in gateway.stream(messages, user=request.user, check=check):
            yield ServerSentEvent(event=event.kind, data=event.as_dict())

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


@contextmanager
def serve(app, *, port: int | None = None, ready_timeout: float = 30.0) -> Iterator[str]:
    """Run `app` with uvicorn in a background thread of this process; yield its base URL.

    A notebook or a test calls the gateway over real HTTP while the gateway object (its cache,
    its log) stays inspectable in the same process. The server stops when the block ends.
    """
    import uvicorn

    from mlops_course.servers import free_port

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name=f"uvicorn:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + ready_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise GatewayError(f"uvicorn did not start on port {port} within {ready_timeout} s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def stream_events(url: str, prompt: str | Sequence[Message], *, user: str = "default",
                  timeout: float = 120.0) -> Iterator[tuple[str, dict[str, Any]]]:
    """Call a gateway's `/v1/chat/stream` and yield `(event, data)` as each event arrives.

    Reads the `text/event-stream` format line by line: `event:` names the event, `data:` holds
    its JSON, and an empty line ends it.
    """
    import httpx

    messages = as_messages(prompt)
    body = {"messages": messages, "user": user}
    with httpx.stream("POST", url.rstrip("/") + "/v1/chat/stream", json=body,
                      timeout=timeout) as response:
        response.raise_for_status()
        event, data = "message", []
        for line in response.iter_lines():
            if not line:
                if data:
                    yield event, json.loads("\n".join(data))
                event, data = "message", []
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
