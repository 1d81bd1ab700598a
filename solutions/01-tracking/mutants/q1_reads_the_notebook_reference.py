"""Evaluates on the notebook's `reference` instead of the `frame` it was given.

Right every time the function is called with `reference`; wrong for any other frame.
"""

EDITS = {
    "q1_answer": [
        (
            'ordered = frame.sort_values("timestamp", kind="stable")',
            'ordered = reference.sort_values("timestamp", kind="stable")',
        ),
    ],
}
LOSES = ["q1_test"]
