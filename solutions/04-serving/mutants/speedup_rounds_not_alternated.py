"""Runs every scikit-learn round first, then every ONNX round: a busy moment slows one side only.

The prompt asks to alternate the two in every round, so that load the machine picks up in the
middle of the measurement slows both runtimes alike.
"""

EDITS = {
    "q5_answer": [
        (
            '''    for _ in range(rounds):  # interleaved, so a busy moment slows both
        sklearn_times.append(per_call(lambda: model.predict(row)))
        onnx_times.append(per_call(lambda: session.run(None, feeds)))''',
            '''    for _ in range(rounds):
        sklearn_times.append(per_call(lambda: model.predict(row)))
    for _ in range(rounds):
        onnx_times.append(per_call(lambda: session.run(None, feeds)))''',
        ),
    ],
}
LOSES = ["q5_test"]
