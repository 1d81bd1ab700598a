"""Gives the versions their slices in sorted order of their names, not in the order of `weights`.

The shares are right, but when a canary listed first grows at the expense of the version after
it, users of a third version move too: a canary's users are no longer sticky.
"""

EDITS = {
    "q4_answer": [
        (
            "for version, weight in weights.items():",
            "for version, weight in sorted(weights.items()):",
        ),
    ],
}
LOSES = ["q4_test"]
