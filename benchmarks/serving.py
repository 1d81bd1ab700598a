"""Benchmark: the course's prediction API over HTTP, and ONNX Runtime vs scikit-learn, in one run.

    .venv/bin/python benchmarks/serving.py [--requests 1000] [--concurrency 1 4 16] [--fast]

Prints figures; it is not a test (timings depend on the machine and on what else runs). In one
run, with models trained into a temporary folder (no registry needed):

1. the sprint 03 service (mlproject's app, served by `mlops_course.serving`, with mlproject's
   pipeline from `mlproject.train.fit` in a skops bundle) under uvicorn on a free port of
   127.0.0.1: a warm-up, then p50/p95/p99 latency and requests per second over real HTTP at
   each concurrency (closed loop, `loadtest.http_load`);
2. the same app serving that pipeline's ONNX export (`mlproject.export`, sprint 04), same load;
3. in-process, after a parity check: one-row and 1,000-row prediction time of that model in
   scikit-learn and in ONNX Runtime on prepared features, timed side by side
   (`loadtest.speedup`).

Every server is stopped when the run ends, even on an error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

from mlproject import data, export, train

from mlops_course import datasets, loadtest, serving
from mlops_course.servers import port_is_free


def api_figures(bundle: Path, requests: int, warmup: int, levels: list[int]) -> list[dict]:
    """Start the bundle's API, load-test it at each concurrency, stop it; one row per level."""
    bodies = serving.example_hours(datasets.reference_period(), 500, seed=0)
    rows = []
    started = time.perf_counter()
    with serving.serve(bundle) as server:
        ready_seconds = time.perf_counter() - started
        for concurrency in levels:
            report = loadtest.run_sync(loadtest.http_load(
                server.url + "/v1/predict", bodies, requests=requests, warmup=warmup,
                concurrency=concurrency,
            ))
            rows.append({**report.summary(), "ready_s": round(ready_seconds, 1)})
        port = server.port
    if not port_is_free(port):
        raise RuntimeError(f"the server on port {port} is still running")
    return rows


def model_figures(model, onnx_bytes: bytes, frame, number: int) -> dict[str, loadtest.Speedup]:
    """One-row and 1,000-row speed-ups on prepared inputs (features and ONNX feeds)."""
    onnx_model = export.OnnxModel(onnx_bytes)
    figures = {}
    for name, rows, n in (("1 row", frame[:1], number), ("1000 rows", frame[:1000], 5)):
        features, feeds = data.prepare_features(rows), export.onnx_inputs(rows)
        figures[name] = loadtest.speedup(
            lambda f=features: model.predict(f), lambda f=feeds: onnx_model.run(f), number=n
        )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=1000, help="measured requests per level")
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured requests first")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--fast", action="store_true", help="small models and few requests")
    args = parser.parse_args(argv)
    if args.fast:
        args.requests, args.warmup = min(args.requests, 100), min(args.warmup, 20)

    serving.single_threaded()
    reference = datasets.reference_period()
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{args.requests} requests per level after {args.warmup} warm-up requests\n")
    with tempfile.TemporaryDirectory(prefix="serving-benchmark-") as tmp:
        folder = Path(tmp)
        model = train.fit(reference, max_iter=60 if args.fast else 300)
        sk_bundle = serving.save_bundle(
            folder / "sklearn", model, name=serving.MODEL_NAME, version="bench-sklearn"
        )
        onnx_bytes = export.to_onnx(model)
        everything = datasets.load_bike_sharing()
        parity = export.parity(model, export.OnnxModel(onnx_bytes), everything)
        print(parity.line())
        if not parity.ok:
            return 1
        onnx_bundle = serving.save_bundle(
            folder / "onnx", None, name=serving.MODEL_NAME, version="bench-onnx",
            onnx_bytes=onnx_bytes,
        )

        print("\nAPI over HTTP (POST /v1/predict, one hour per request, closed loop)")
        header = (f"{'model':<22}{'users':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
                  f"{'req/s':>8}{'failed':>8}{'ready s':>9}")
        print(header)
        for name, bundle in (("scikit-learn (skops)", sk_bundle), ("ONNX Runtime", onnx_bundle)):
            for level, row in zip(args.concurrency, api_figures(
                bundle, args.requests, args.warmup, args.concurrency
            ), strict=True):
                print(f"{name:<22}{level:>6}{row['p50_ms']:>9.2f}{row['p95_ms']:>9.2f}"
                      f"{row['p99_ms']:>9.2f}{row['req_per_s']:>8.0f}{row['failures']:>8}"
                      f"{row['ready_s']:>9.1f}")

        print("\nModel in-process, the same pipeline on prepared inputs, timed side by side")
        timed = model_figures(model, onnx_bytes, everything, 50 if args.fast else 500)
        for name, result in timed.items():
            print(f"{name:>9}: {result.line('scikit-learn', 'ONNX Runtime')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
