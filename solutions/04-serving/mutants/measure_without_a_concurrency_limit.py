"""Starts every call at once, ignoring `concurrency`."""

REPLACEMENTS = {
    "q2_answer": '''async def measure(send, *, requests, warmup=0, concurrency=1):
    """Load-test `send`: warm up, then measure `requests` calls with `concurrency` in flight."""
    latencies, failures = [], 0
    gate = asyncio.Semaphore(concurrency)

    async def one(i, record):
        nonlocal failures
        started = time.perf_counter()
        try:
            response = await send(i)
            ok = 200 <= response.status_code < 300
        except Exception:
            ok = False
        elapsed = time.perf_counter() - started
        if record:
            if ok:
                latencies.append(elapsed * 1000)
            else:
                failures += 1

    await asyncio.gather(*(one(i, False) for i in range(warmup)))
    began = time.perf_counter()
    await asyncio.gather(*(one(i, True) for i in range(warmup, warmup + requests)))
    seconds = time.perf_counter() - began
    return {
        "count": requests,
        "failures": failures,
        "p50_ms": percentile(latencies, 50) if latencies else float("nan"),
        "p95_ms": percentile(latencies, 95) if latencies else float("nan"),
        "p99_ms": percentile(latencies, 99) if latencies else float("nan"),
        "throughput": len(latencies) / seconds,
    }
''',
}
LOSES = ['q2_test']
