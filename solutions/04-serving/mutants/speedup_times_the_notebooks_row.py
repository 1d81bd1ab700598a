"""Times the notebook's `features[:1]` instead of the `row` it is given."""

EDITS = {
    "q5_answer": [
        ("feeds = onnx_inputs(row)", "row = features[:1]\n    feeds = onnx_inputs(row)"),
    ],
}
LOSES = ["q5_test"]
