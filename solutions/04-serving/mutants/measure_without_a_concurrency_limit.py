"""Starts every call at once, ignoring `concurrency`."""

EDITS = {
    "q2_answer": [
        (
            '''async with gate:
            started = time.perf_counter()
            try:
                response = await send(i)
                ok = 200 <= response.status_code < 300
            except Exception:
                ok = False
            elapsed = time.perf_counter() - started''',
            '''started = time.perf_counter()
        try:
            response = await send(i)
            ok = 200 <= response.status_code < 300
        except Exception:
            ok = False
        elapsed = time.perf_counter() - started''',
        ),
        ("}", "}\n"),
    ],
}
LOSES = ['q2_test']
