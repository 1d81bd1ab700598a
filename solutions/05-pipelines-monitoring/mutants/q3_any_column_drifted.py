"""Calls the dataset drifted as soon as one column drifted (`count > 0`), ignoring drift_share.

With one column asked for the two agree; with three, one moved column out of three is not a
drifted dataset by Evidently's rule (a share of 1/3 is below 0.5).
"""

EDITS = {
    "q3_answer": [
        ("def first_drifted_window", "\ndef first_drifted_window"),
        (
            'drifted = metric["value"]["share"] >= metric["config"]["drift_share"]',
            'drifted = metric["value"]["count"] > 0',
        ),
    ],
}
LOSES = ["q3_test_synthetic"]
