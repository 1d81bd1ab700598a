"""Picks accuracy, a classification metric, for a regression problem.

The schema ties the metric to the task, so the card no longer validates.
"""

EDITS = {
    "q2_answer": [
        (
            '"name": "mae",',
            '"name": "accuracy",',
        ),
    ],
}
LOSES = ['q2_test']
