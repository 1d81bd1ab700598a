"""Divides the ONNX time by the scikit-learn time."""

EDITS = {
    "q5_answer": [
        (
            "(sklearn_times) / statistics.median(onnx_times)",
            "(onnx_times) / statistics.median(sklearn_times)\n",
        ),
    ],
}
LOSES = ['q5_test']
