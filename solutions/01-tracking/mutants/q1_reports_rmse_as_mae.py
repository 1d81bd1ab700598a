"""Reports the root mean squared error under the name `mae`.

RMSE weighs large misses more and is always at least the MAE; the hidden test compares the
value with the holdout's real mean absolute error.
"""

EDITS = {
    "q1_answer": [
        (
            'return {"mae": scores["mae"]',
            'return {"mae": scores["rmse"]',
        ),
    ],
}
LOSES = ['q1_test']
