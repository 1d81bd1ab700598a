"""Starts the throughput clock before the warm-up, so slow first calls drag the throughput down."""

EDITS = {
    "q2_answer": [
        (
            '''    await asyncio.gather(*(one(i, False) for i in range(warmup)))
    began = time.perf_counter()''',
            '''    began = time.perf_counter()
    await asyncio.gather(*(one(i, False) for i in range(warmup)))''',
        ),
    ],
}
LOSES = ["q2_test"]
