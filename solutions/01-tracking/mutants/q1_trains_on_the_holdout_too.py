"""Fits the model on every row, holdout included, then scores it on the holdout.

The counts it reports are right, but the model has seen the answers: its MAE is too good, and
the spy sees it fitted on all rows.
"""

EDITS = {
    "q1_answer": [
        (', kind="stable"', ""),
        ("train, holdout = ordered.iloc[:-n_holdout],", "holdout ="),
        ("(train), train", "(ordered), ordered"),
        ('(train), "n_holdout": len(holdout)', '(ordered) - n_holdout, "n_holdout": n_holdout'),
    ],
}
LOSES = ["q1_test"]
