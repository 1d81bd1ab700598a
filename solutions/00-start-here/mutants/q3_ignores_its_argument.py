"""Loads the whole dataset again instead of splitting the frame it was given.

The sizes are right for the full data, so the visible tests pass; the hidden test passes a
smaller frame.
"""

EDITS = {
    "q3_answer": [
        ("reference_period(frame)", "reference_period()"),
        ("production_windows(frame)", "production_windows()"),
    ],
}
LOSES = ["q3_test"]
