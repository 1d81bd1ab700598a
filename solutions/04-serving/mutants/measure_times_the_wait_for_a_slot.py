"""Starts each call's clock before it waits for a free slot of the semaphore.

The latency then includes the time the harness itself queued the call, so the percentiles grow
with the number of requests rather than describing the service.
"""

EDITS = {
    "q2_answer": [
        (
            '''async with gate:
            started = time.perf_counter()''',
            '''started = time.perf_counter()
        async with gate:''',
        ),
    ],
}
LOSES = ["q2_test"]
