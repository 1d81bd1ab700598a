"""Wants the share of drifted columns strictly above drift_share: 1 column of 2 (0.5) does not
count, though Evidently's rule is that the share *reaches* it."""

EDITS = {
    "q3_answer": [
        ("def first_drifted_window", "\ndef first_drifted_window"),
        (
            'drifted = metric["value"]["share"] >= metric["config"]["drift_share"]',
            'drifted = metric["value"]["share"] > metric["config"]["drift_share"]',
        ),
    ],
}
LOSES = ["q3_test_synthetic"]
