"""Times a batch of 1,000 copies of the row instead of one row."""

REPLACEMENTS = {
    "q5_answer": '''def onnx_speedup(model, onnx_bytes, row, rounds=7, calls=50):
    """How many times faster ONNX Runtime predicts one row than scikit-learn (medians)."""
    import onnxruntime as ort

    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    row = np.repeat(row, 1000, axis=0)
    row32 = np.asarray(row, dtype=np.float32)

    def per_call(fn):
        fn()  # once, untimed: lazy initialisation is not what we measure
        started = time.perf_counter()
        for _ in range(calls):
            fn()
        return (time.perf_counter() - started) / calls

    sklearn_times, onnx_times = [], []
    for _ in range(rounds):  # interleaved, so a busy moment slows both
        sklearn_times.append(per_call(lambda: model.predict(row)))
        onnx_times.append(per_call(lambda: session.run(None, {name: row32})))
    return statistics.median(sklearn_times) / statistics.median(onnx_times)
''',
}
LOSES = ['q5_test']
