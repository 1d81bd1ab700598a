"""Calls a window drifted when its PSI reaches the threshold (`>=`) rather than exceeds it.

A window identical to its reference has a PSI of exactly 0, and at a threshold of 0 it raises
an alarm about nothing.
"""

EDITS = {
    "q2_answer": [
        ("window.data[column]) > threshold)", "window.data[column]) >= threshold)"),
    ],
}
LOSES = ["q2_test"]
