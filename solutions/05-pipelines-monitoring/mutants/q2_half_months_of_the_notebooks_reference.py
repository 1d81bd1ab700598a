"""Groups the notebook's `reference` by month instead of the `frame` it is given.

Right whenever the caller passes 2011 (every visible test does), wrong on any other frame: the
function only looks like it takes an argument.
"""

EDITS = {
    "q2_answer": [
        (
            "for month, rows in frame.groupby(frame[",
            "for month, rows in reference.groupby(reference[",
        ),
    ],
}
LOSES = ["q2_test"]
