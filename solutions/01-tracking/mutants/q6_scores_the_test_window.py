"""Scores every trial on the October-December holdout (`test_window`) instead of the
validation rows it was given: the search picks settings on the window that should judge them.

On the lab's rows the numbers look plausible; on the test's own frames they are not the
validation error.
"""

EDITS = {
    "q6_answer": [
        (
            "X_valid, y_valid = data.prepare_features(valid), data.target(valid)",
            "X_valid, y_valid = data.prepare_features(test_window), data.target(test_window)",
        ),
    ],
}
LOSES = ["q6_test"]
