"""Imports at the top of the cell and times each round with `timeit.timeit` (one untimed call
first), alternating scikit-learn and ONNX Runtime in every round."""

EDITS = {
    "q5_answer": [
        (
            "def onnx_speedup(",
            '''import timeit

import onnxruntime


def onnx_speedup(''',
        ),
        (
            '''    import onnxruntime as ort

    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    feeds = onnx_inputs(row)

    def per_call(fn):
        fn()  # once, untimed: lazy initialisation is not what we measure
        started = time.perf_counter()
        for _ in range(calls):
            fn()
        return (time.perf_counter() - started) / calls
''',
            '''    cpu = ["CPUExecutionProvider"]
    session = onnxruntime.InferenceSession(onnx_bytes, providers=cpu)
    feeds = onnx_inputs(row)

    def per_call(fn):
        fn()
        return timeit.timeit(fn, number=calls) / calls
''',
        ),
    ],
}
