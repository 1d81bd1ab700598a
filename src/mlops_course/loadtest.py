"""A small load-testing harness: asyncio and httpx, a warm-up that is not measured, percentiles
computed right, failures counted, and timing helpers for side-by-side comparisons.

    report = await http_load(api.url + "/v1/predict", bodies, requests=500, concurrency=8,
                             warmup=50)              # in a notebook cell (top-level await)
    report = run_sync(http_load(...))                # from plain Python
    print(report.line())                             # p50/p95/p99, req/s, failures

Closed loop by default: `concurrency` virtual users each send their next request when the
previous one is answered. With `rate` the load is open loop instead: request i starts at
i / rate seconds whatever happened before, and its latency counts from that planned start, so
a server that stalls is charged for the queue it built (closed loops hide it: "coordinated
omission"). Tools such as locust, k6 or wrk do the same at scale; this one fits in a notebook.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

Send = Callable[[int], Awaitable[Any]]


class LoadTestError(ValueError):
    """A load test was asked for something impossible (no requests, no values, bad quantile)."""


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between the closest ranks.

    The same definition as `numpy.percentile`'s default: sort, find rank q/100 * (n - 1),
    interpolate between the two values around it. p50 is the median; p99 is the value that
    1 request in 100 exceeds.
    """
    if not values:
        raise LoadTestError("No values: the percentile of an empty sample is undefined.")
    if not 0 <= q <= 100:
        raise LoadTestError(f"q is a percentage between 0 and 100, got {q}.")
    ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class LoadReport:
    """What a load test measured. Latencies are in seconds, for successful measured requests."""

    latencies: tuple[float, ...]
    failures: int
    seconds: float
    concurrency: int
    warmup: int
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        """Measured requests (warm-up excluded), successful or not."""
        return len(self.latencies) + self.failures

    @property
    def throughput(self) -> float:
        """Successful requests per second of the measured phase."""
        return len(self.latencies) / self.seconds if self.seconds > 0 else math.nan

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else math.nan

    def ms(self, q: float) -> float:
        """The q-th latency percentile in milliseconds (NaN when every request failed)."""
        return percentile(self.latencies, q) * 1000 if self.latencies else math.nan

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies) * 1000 if self.latencies else math.nan

    def summary(self) -> dict[str, float]:
        return {
            "requests": self.requests, "failures": self.failures, "concurrency": self.concurrency,
            "p50_ms": round(self.ms(50), 2), "p95_ms": round(self.ms(95), 2),
            "p99_ms": round(self.ms(99), 2), "mean_ms": round(self.mean_ms, 2),
            "max_ms": round(max(self.latencies) * 1000, 2) if self.latencies else math.nan,
            "req_per_s": round(self.throughput, 1),
        }

    def line(self) -> str:
        s = self.summary()
        return (
            f"{s['requests']} requests at concurrency {self.concurrency}: p50 {s['p50_ms']:.1f} ms"
            f", p95 {s['p95_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms, {s['req_per_s']:.0f} req/s, "
            f"{self.failures} failed"
        )


def _is_success(result: Any) -> bool:
    status = getattr(result, "status_code", None)
    if status is not None:
        return 200 <= status < 300
    return bool(result)


def _reason(result: Any) -> str:
    status = getattr(result, "status_code", None)
    return f"HTTP {status}" if status is not None else "returned a false value"


async def run_load(
    send: Send,
    *,
    requests: int,
    concurrency: int = 1,
    warmup: int = 0,
    rate: float | None = None,
) -> LoadReport:
    """Call `send(i)` for `warmup` unmeasured, then `requests` measured requests.

    `send` is an async callable; a result with a 2xx `status_code` (an HTTP response) or any
    other truthy value is a success; an exception, a non-2xx response or a falsy value is a
    failure, counted with its reason. At most `concurrency` calls are in flight at once.
    """
    if requests < 1 or concurrency < 1 or warmup < 0:
        raise LoadTestError(
            f"Need requests >= 1, concurrency >= 1 and warmup >= 0; got {requests}, "
            f"{concurrency} and {warmup}."
        )
    if warmup:
        await _drive(send, range(warmup), concurrency, None, measure=False)
    started = time.perf_counter()
    latencies, reasons = await _drive(
        send, range(warmup, warmup + requests), concurrency, rate, measure=True
    )
    seconds = time.perf_counter() - started
    return LoadReport(
        tuple(latencies), sum(reasons.values()), seconds, concurrency, warmup, dict(reasons)
    )


async def _drive(
    send: Send, indices: range, concurrency: int, rate: float | None, *, measure: bool
) -> tuple[list[float], Counter[str]]:
    latencies: list[float] = []
    reasons: Counter[str] = Counter()
    gate = asyncio.Semaphore(concurrency)
    start = time.perf_counter()

    async def one(position: int, index: int) -> None:
        planned = None
        if rate is not None:
            planned = start + position / rate
            await asyncio.sleep(max(0.0, planned - time.perf_counter()))
        async with gate:
            began = time.perf_counter() if planned is None else planned
            try:
                result = await send(index)
            except Exception as err:  # a failed request is a result, not a crash
                reasons[type(err).__name__] += 1
                return
            elapsed = time.perf_counter() - began
        if _is_success(result):
            latencies.append(elapsed)
        else:
            reasons[_reason(result)] += 1

    if rate is None:
        # Closed loop: `concurrency` workers, each sends its next request when one returns.
        queue = iter(enumerate(indices))

        async def worker() -> None:
            for position, index in queue:
                await one(position, index)

        await asyncio.gather(*(worker() for _ in range(min(concurrency, len(indices)))))
    else:
        await asyncio.gather(*(one(p, i) for p, i in enumerate(indices)))
    return (latencies if measure else []), reasons


async def http_load(
    url: str,
    bodies: Sequence[Any],
    *,
    requests: int,
    concurrency: int = 1,
    warmup: int = 0,
    rate: float | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> LoadReport:
    """POST `bodies` (JSON, cycled) to `url` over real HTTP; one pooled connection per user."""
    import httpx

    if not bodies:
        raise LoadTestError("Give at least one request body to send.")
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=timeout, limits=limits, headers=headers) as client:

        async def send(i: int) -> Any:
            return await client.post(url, json=bodies[i % len(bodies)])

        return await run_load(
            send, requests=requests, concurrency=concurrency, warmup=warmup, rate=rate
        )


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code, even inside Jupyter's event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coroutine)
        except BaseException as err:  # re-raised in the caller's thread
            box["error"] = err

    thread = threading.Thread(target=target, name="run_sync")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


# --- timing side by side -----------------------------------------------------------------------


def seconds_per_call(fn: Callable[[], Any], *, number: int = 100, repeats: int = 5) -> float:
    """Median over `repeats` rounds of the mean time of one call (`number` calls per round).

    The median of rounds resists the odd round slowed by another process; one call runs first,
    untimed, so that lazy initialisation is not measured.
    """
    if number < 1 or repeats < 1:
        raise LoadTestError("number and repeats must be at least 1.")
    fn()
    rounds = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - started) / number)
    return statistics.median(rounds)


@dataclass(frozen=True)
class Speedup:
    """Two ways to do the same work, timed in the same run."""

    baseline_seconds: float
    candidate_seconds: float

    @property
    def ratio(self) -> float:
        """How many times faster the candidate is (baseline time / candidate time)."""
        return self.baseline_seconds / self.candidate_seconds

    def line(self, baseline: str = "baseline", candidate: str = "candidate") -> str:
        return (
            f"{baseline}: {self.baseline_seconds * 1e6:,.0f} µs per call, {candidate}: "
            f"{self.candidate_seconds * 1e6:,.0f} µs per call -> {self.ratio:.1f}x"
        )


def speedup(
    baseline: Callable[[], Any],
    candidate: Callable[[], Any],
    *,
    number: int = 100,
    repeats: int = 5,
) -> Speedup:
    """Time both callables, interleaved round by round so that a busy moment hits both."""
    base, cand = [], []
    baseline()
    candidate()
    for _ in range(repeats):
        base.append(seconds_per_call(baseline, number=number, repeats=1))
        cand.append(seconds_per_call(candidate, number=number, repeats=1))
    return Speedup(statistics.median(base), statistics.median(cand))
