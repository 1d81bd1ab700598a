"""How a streamed answer feels: time to first token, time per output token, tokens per second.

    timing = timed_stream(backend.stream(messages, max_tokens=64))
    timing.ttft_s, timing.tpot_s, timing.tokens_per_second

    sweep = concurrency_sweep(lambda i: backends[i % 2].stream(messages, max_tokens=64),
                              levels=(1, 2, 4, 8), requests_per_level=lambda c: 2 * c)
    summarise(sweep)     # one row per concurrency level: TTFT and TPOT percentiles, throughput

A chat user waits for the first words (TTFT: queueing plus reading the prompt), then reads
while the rest arrives (TPOT: the decoding speed each stream gets). A server's throughput
(tokens per second over all streams) is what its owner pays for. Batching trades between them,
and a load test at several concurrency levels shows how a server makes that trade.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

Clock = Callable[[], float]


@dataclass(frozen=True)
class StreamTiming:
    """One streamed answer, timed from the moment the request was sent.

    `pieces` counts the non-empty text pieces received; llama.cpp's server and most others
    send one per generated token, so it stands for the output tokens.
    """

    text: str
    pieces: int
    ttft_s: float      # request sent -> first piece received (nan when nothing came)
    total_s: float     # request sent -> stream closed
    sent_at_s: float = 0.0  # when the request was sent, relative to the start of its run

    @property
    def tpot_s(self) -> float:
        """Time per output token after the first: the pace at which the text streams in."""
        if self.pieces < 2:
            return math.nan
        return (self.total_s - self.ttft_s) / (self.pieces - 1)

    @property
    def tokens_per_second(self) -> float:
        """Output tokens per second of this request, prompt reading and waiting included."""
        return self.pieces / self.total_s if self.total_s > 0 else 0.0


def timed_stream(pieces: Iterable[str], *, clock: Clock = time.perf_counter,
                 started: float | None = None, run_start: float | None = None) -> StreamTiming:
    """Consume a stream of text pieces and time it.

    Pass `started` when the request was sent before this call (the stream object may be
    created lazily); `run_start` dates `sent_at_s` within a load test.
    """
    start = clock() if started is None else started
    first = math.nan
    received: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        if not received:
            first = clock() - start
        received.append(piece)
    total = clock() - start
    return StreamTiming("".join(received), len(received), first, total,
                        start - (start if run_start is None else run_start))


@dataclass(frozen=True)
class SweepPoint:
    """Every request of one concurrency level, and the level's wall-clock time."""

    concurrency: int
    timings: list[StreamTiming]
    wall_s: float

    @property
    def throughput(self) -> float:
        """Output tokens per second over all streams of this level (what the server delivers)."""
        return sum(t.pieces for t in self.timings) / self.wall_s if self.wall_s > 0 else 0.0


def run_concurrently(start_stream: Callable[[int], Iterable[str]], *, concurrency: int,
                     requests: int, first: int = 0,
                     clock: Clock = time.perf_counter) -> SweepPoint:
    """Send `requests` streamed requests, `concurrency` at a time (a closed loop).

    `start_stream(i)` opens request i (i from `first` on) and returns its pieces; each worker
    sends its next request as soon as its previous stream closed, so exactly `concurrency`
    streams are in flight until the last ones. Timings start when a worker opens its request.
    """
    if concurrency < 1 or requests < 1:
        raise ValueError("concurrency and requests must be at least 1")
    run_start = clock()

    def one(i: int) -> StreamTiming:
        started = clock()
        return timed_stream(start_stream(i), clock=clock, started=started, run_start=run_start)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        timings = list(pool.map(one, range(first, first + requests)))
    return SweepPoint(concurrency, timings, clock() - run_start)


def concurrency_sweep(start_stream: Callable[[int], Iterable[str]], *,
                      levels: Sequence[int] = (1, 2, 4, 8),
                      requests_per_level: Callable[[int], int] = lambda c: 2 * c,
                      warmup: int = 1, clock: Clock = time.perf_counter) -> list[SweepPoint]:
    """`run_concurrently` at each level, after `warmup` untimed requests (model load, caches).

    Request numbers run on across levels (and warm-up requests are numbered -1, -2, ...), so
    that no timed request repeats the one just before it: a server that caches the previous
    prompt would answer a repeat without reading it, and its time to first token would lie.
    """
    for i in range(warmup):
        for _ in start_stream(-1 - i):
            pass
    points, first = [], 0
    for c in levels:
        points.append(run_concurrently(start_stream, concurrency=c,
                                       requests=requests_per_level(c), first=first, clock=clock))
        first += requests_per_level(c)
    return points


def summarise(points: Sequence[SweepPoint], label: str | None = None):
    """One row per concurrency level: TTFT and TPOT percentiles, tokens per stream, throughput.

    Returns a pandas DataFrame indexed by concurrency (and `label` as a column when given, so
    that several servers' sweeps can be concatenated and plotted together).
    """
    import pandas as pd

    rows = []
    for point in points:
        ttft = np.array([t.ttft_s for t in point.timings], dtype=float)
        tpot = np.array([t.tpot_s for t in point.timings], dtype=float)
        rows.append({
            "concurrency": point.concurrency,
            "requests": len(point.timings),
            # a stream cut before its first token has no TTFT and would drop out of the
            # percentiles; counted here, it is a request that failed its objective
            "empty_streams": int(np.isnan(ttft).sum()),
            "ttft_p50_s": float(np.nanpercentile(ttft, 50)),
            "ttft_p95_s": float(np.nanpercentile(ttft, 95)),
            "tpot_p50_ms": 1000 * float(np.nanpercentile(tpot, 50)),
            "tokens_per_stream": float(np.mean([t.pieces for t in point.timings])),
            "words_per_stream": float(np.mean([len(t.text.split()) for t in point.timings])),
            "stream_tokens_per_s": float(np.median([t.tokens_per_second
                                                    for t in point.timings])),
            "throughput_tokens_per_s": point.throughput,
        })
    table = pd.DataFrame(rows).set_index("concurrency")
    if label is not None:
        table.insert(0, "server", label)
    return table


# --- the local server under load ----------------------------------------------------------------


@dataclass(frozen=True)
class ServerSetup:
    """How to run llama-cpp-python's server: how many processes, threads each, interruptions.

    llama-cpp-python's server has no parallel slots: one llama.cpp context behind a lock
    serves one request at a time. What it offers instead: `interrupt_requests` (on by default:
    a new request cuts the running stream short) and running several copies (replicas), each
    with its share of the cores, with the client spreading requests over them.
    """

    name: str
    replicas: int = 1
    threads: int = 2
    interrupt_requests: bool = False


SETUPS = (
    ServerSetup("1 server, requests queue"),
    ServerSetup("2 replicas x 1 thread", replicas=2, threads=1),
    ServerSetup("1 server, interrupt on (its default)", interrupt_requests=True),
)


def chat_requests(questions: Sequence[str]) -> list[list[dict[str, str]]]:
    """One short chat request per question (no retrieved context: the prompt stays small)."""
    system = "You answer questions about an MLOps course in two or three sentences."
    return [[{"role": "system", "content": system}, {"role": "user", "content": q}]
            for q in questions]


def sweep_local_server(setup: ServerSetup, requests: Sequence[Sequence[dict[str, str]]], *,
                       levels: Sequence[int] = (1, 2, 4, 8),
                       requests_per_level: Callable[[int], int] = lambda c: 2 * c,
                       max_tokens: int = 48):
    """Start the setup's servers, run a concurrency sweep over them, stop them; a summary table.

    Request i goes to replica i mod `replicas` and uses `requests[i mod len(requests)]`, so
    prompts vary (a repeated prompt would be answered from the server's prompt cache). The
    warm-up uses a prompt outside the set, for the same reason.
    """
    from contextlib import ExitStack

    from mlops_course import llm

    with ExitStack() as stack:
        servers = [stack.enter_context(llm.local_llm_server(
            n_threads=setup.threads, interrupt_requests=setup.interrupt_requests))
            for _ in range(setup.replicas)]
        clients = [llm.OpenAICompatibleBackend(s.url + "/v1", model=llm.LOCAL_MODEL)
                   for s in servers]

        def start(i: int) -> Iterable[str]:
            client = clients[i % len(clients)]
            return client.stream(requests[i % len(requests)], max_tokens=max_tokens)

        warmup = [{"role": "user", "content": "Reply with one word: ready."}]
        for client in clients:  # load each replica's model once, with a prompt not timed later
            for _ in client.stream(warmup, max_tokens=4):
                pass
        points = concurrency_sweep(start, levels=levels, requests_per_level=requests_per_level,
                                   warmup=0)
    return summarise(points, label=setup.name)
