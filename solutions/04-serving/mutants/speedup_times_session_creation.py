"""Creates the ONNX Runtime session inside every timed call."""

EDITS = {
    "q5_answer": [
        (
            '''onnx_times.append(per_call(lambda: session.run(None, feeds)))
    return statistics.median(sklearn_times) / statistics.median(onnx_times)''',
            '''onnx_times.append(per_call(lambda: ort.InferenceSession(
            onnx_bytes, providers=["CPUExecutionProvider"]).run(None, feeds)))
    return statistics.median(sklearn_times) / statistics.median(onnx_times)
''',
        ),
    ],
}
LOSES = ['q5_test']
