"""Fits the model on every row, holdout included, then scores it on the holdout.

The counts it reports are right, but the model has seen the answers: its MAE is too good, and
the spy sees it fitted on all rows.
"""

EDITS = {
    "q1_answer": [
        (
            'model.fit(data.prepare_features(train), data.target(train))',
            'model.fit(data.prepare_features(ordered), data.target(ordered))',
        ),
    ],
}
LOSES = ['q1_test']
