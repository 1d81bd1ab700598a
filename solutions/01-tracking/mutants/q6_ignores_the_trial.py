"""Asks the trial for settings, records them, but fits the project's default model.

Each trial logs what Optuna suggested, yet every trial scores the same fixed settings: the
hidden test refits the suggested settings and finds another error.
"""

EDITS = {
    "q6_answer": [
        (
            "model = training.build_model(seed=0, max_iter=ROUNDS, **params)",
            "model = training.build_model(seed=0, max_iter=ROUNDS)",
        ),
    ],
}
LOSES = ["q6_test"]
