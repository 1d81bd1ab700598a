"""One untimed call of each runtime before all the rounds (not one per round), nanosecond timers,
and each round timed by a loop written out for both runtimes."""

EDITS = {
    "q5_answer": [
        (
            '''    def per_call(fn):
        fn()  # once, untimed: lazy initialisation is not what we measure
        started = time.perf_counter()
        for _ in range(calls):
            fn()
        return (time.perf_counter() - started) / calls

    sklearn_times, onnx_times = [], []
    for _ in range(rounds):  # interleaved, so a busy moment slows both
        sklearn_times.append(per_call(lambda: model.predict(row)))
        onnx_times.append(per_call(lambda: session.run(None, feeds)))
    return statistics.median(sklearn_times) / statistics.median(onnx_times)''',
            '''    model.predict(row)
    session.run(None, feeds)
    slow, fast = [], []
    for _ in range(rounds):
        began = time.perf_counter_ns()
        for _ in range(calls):
            model.predict(row)
        slow.append((time.perf_counter_ns() - began) / calls)
        began = time.perf_counter_ns()
        for _ in range(calls):
            session.run(None, feeds)
        fast.append((time.perf_counter_ns() - began) / calls)
    return float(statistics.median(slow) / statistics.median(fast))''',
        ),
    ],
}
