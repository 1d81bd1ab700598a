"""A pool of `concurrency` workers that take request numbers from a shared iterator, instead of
one task per request behind a semaphore."""

EDITS = {
    "q2_answer": [
        (
            '''    latencies, failures = [], 0
    gate = asyncio.Semaphore(concurrency)

    async def one(i, record):
        nonlocal failures
        async with gate:
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
    seconds = time.perf_counter() - began''',
            '''    latencies, failed = [], []

    async def call(i):
        started = time.perf_counter()
        try:
            response = await send(i)
        except Exception:
            return None
        if not 200 <= response.status_code < 300:
            return None
        return (time.perf_counter() - started) * 1000

    async def worker(numbers, record):
        for i in numbers:  # the workers share one iterator: each number is taken once
            latency = await call(i)
            if record:
                (latencies if latency is not None else failed).append(latency)

    for first, count, record in ((0, warmup, False), (warmup, requests, True)):
        numbers = iter(range(first, first + count))
        if record:
            began = time.perf_counter()
        await asyncio.gather(*(worker(numbers, record) for _ in range(concurrency)))
    seconds = time.perf_counter() - began
    failures = len(failed)''',
        ),
    ],
}
