"""Averages the rounds instead of taking their medians: one slow round drags the ratio with it."""

EDITS = {
    "q5_answer": [
        (
            "statistics.median(sklearn_times) / statistics.median(onnx_times)",
            "statistics.mean(sklearn_times) / statistics.mean(onnx_times)",
        ),
    ],
}
LOSES = ["q5_test"]
