"""Times a batch of 1,000 copies of the row instead of one row."""

EDITS = {
    "q5_answer": [
        (
            'session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])',
            '''session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    row = row.loc[row.index.repeat(1000)]''',
        ),
        ("(onnx_times)", "(onnx_times)\n"),
    ],
}
LOSES = ['q5_test']
