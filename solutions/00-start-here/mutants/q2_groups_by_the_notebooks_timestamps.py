"""Groups the frame's rentals by the years of the notebook's `bikes`, not of the frame passed in.

pandas lines the two up by index label, so a slice of `bikes` (which keeps its labels) still
gets the right years; a frame with its own index, or other rows, gets the wrong ones.
"""

EDITS = {
    "q2_answer": [
        (
            'frame.groupby(frame["timestamp"].dt.year)["cnt"].mean()',
            'frame["cnt"].groupby(bikes["timestamp"].dt.year).mean()',
        ),
    ],
}
LOSES = ["q2_test"]
