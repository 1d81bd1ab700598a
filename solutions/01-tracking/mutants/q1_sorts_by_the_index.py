"""Puts the rows in order with `sort_index()` instead of sorting by `timestamp`.

The index of `reference` happens to follow time, and a shuffle keeps each row's label, so
sorting by label undoes it; a frame whose index says nothing about time (renumbered after a
shuffle, read from another file) is left in the wrong order.
"""

EDITS = {
    "q1_answer": [
        ('ordered = frame.sort_values("timestamp", kind="stable")', "ordered = frame.sort_index()"),
    ],
}
LOSES = ["q1_test"]
