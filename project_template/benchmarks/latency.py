"""Benchmark: API latency and throughput over real HTTP, and scikit-learn vs ONNX speed.

    python benchmarks/latency.py [--requests 500] [--concurrency 4]   (or: make benchmark)

Prints figures; it is not a test (timings depend on the machine and on what else runs).
It needs a champion in the registry (`make train`). In one run it:

1. starts the API under uvicorn on a free port, warms it up, then sends `--requests`
   sequential POST /v1/predict calls and reports p50/p95/p99 latency and requests per second,
   then the same number of calls from `--concurrency` threads for throughput;
2. times single-row predictions of the champion in-process, scikit-learn pipeline vs its
   ONNX export under onnxruntime, after checking both agree on the holdout (parity).
The server is always stopped, even on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import IO

import httpx
import numpy as np

from mlproject import data, evaluate, export, registry, schemas
from mlproject import settings as cfg


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def api_server(timeout: float = 120.0) -> Iterator[str]:
    """The API in its own process group on a free port; yields its URL; always stops it."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        yield from _serve(port, log, timeout)


def _serve(port: int, log: IO[bytes], timeout: float) -> Iterator[str]:
    """Start the server, wait until /ready answers 200, yield its URL, stop it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mlproject", "serve", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "MLPROJECT_PREDICTIONS_LOG": os.devnull},  # measure serving, not disk
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise SystemExit(f"The API did not become ready:\n{log.read().decode()[-3000:]}")
            try:
                if httpx.get(url + "/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50/p95/p99 in milliseconds."""
    ms = np.asarray(seconds) * 1000
    return {f"p{q}": float(np.percentile(ms, q)) for q in (50, 95, 99)}


def http_benchmark(url: str, requests: int, warmup: int, concurrency: int) -> None:
    body = schemas.EXAMPLE_RECORD
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(warmup):  # first calls pay for imports, allocations, connection setup
            client.post("/v1/predict", json=body).raise_for_status()
        latencies = []
        started = time.perf_counter()
        for _ in range(requests):
            t0 = time.perf_counter()
            client.post("/v1/predict", json=body).raise_for_status()
            latencies.append(time.perf_counter() - t0)
        sequential_rps = requests / (time.perf_counter() - started)
    p = percentiles(latencies)
    print(f"POST /v1/predict, {requests} sequential requests after {warmup} warm-up:")
    print(f"  latency p50 {p['p50']:.2f} ms   p95 {p['p95']:.2f} ms   p99 {p['p99']:.2f} ms")
    print(f"  throughput  {sequential_rps:.0f} requests/s (one client)")

    def worker(n: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            for _ in range(n):
                client.post("/v1/predict", json=body).raise_for_status()

    share = [requests // concurrency] * concurrency
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, share))
    concurrent_rps = sum(share) / (time.perf_counter() - started)
    print(f"  throughput  {concurrent_rps:.0f} requests/s ({concurrency} concurrent clients)")


def time_calls(predict, row, repeats: int) -> float:
    """Median seconds per call over `repeats` calls (after 20 warm-up calls)."""
    for _ in range(20):
        predict(row)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        predict(row)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def onnx_benchmark(repeats: int) -> None:
    from threadpoolctl import threadpool_limits

    served = registry.load()
    _, holdout = data.training_split(data.load())
    onnx_model = export.OnnxModel(export.to_onnx(served.model))
    parity = export.parity(served.model, onnx_model, holdout)
    status = "OK" if parity.ok else "FAILED"
    print(
        f"Parity on {parity.rows} holdout rows: max |sklearn - onnx| = "
        f"{parity.max_abs_diff:.2e} rentals/hour (tolerance {parity.tolerance}): {status}"
    )
    row = holdout.head(1)
    features = data.prepare_features(row)
    feeds = export.onnx_inputs(row)
    with threadpool_limits(limits=1):  # both sides single-threaded: a like-for-like comparison
        sklearn_s = time_calls(served.model.predict, features, repeats)
        onnx_s = time_calls(lambda _: onnx_model.session.run(None, feeds), None, repeats)
        full_s = time_calls(lambda r: evaluate.predict(served.model, r), row, repeats)
    print(f"Single-row prediction, median of {repeats} calls ({served.name} v{served.version}):")
    print(f"  scikit-learn pipeline  {sklearn_s * 1e6:9.1f} µs")
    print(f"  ONNX Runtime           {onnx_s * 1e6:9.1f} µs")
    print(f"  speed-up               {sklearn_s / onnx_s:9.1f}x")
    print(f"  (API path incl. feature preparation, scikit-learn: {full_s * 1e6:.1f} µs)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=500, help="in-process timing calls")
    args = parser.parse_args(argv)
    settings = cfg.get_settings()
    if registry.champion_version(settings.model_name, settings.model_alias) is None:
        print(f"No champion in {settings.tracking_uri}: run `make train` first.", file=sys.stderr)
        return 1
    print(f"Machine: {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    with api_server() as url:
        http_benchmark(url, args.requests, args.warmup, args.concurrency)
    onnx_benchmark(args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
