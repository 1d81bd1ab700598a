"""Adds a `year` column and groups by its name instead of grouping by a derived Series.

The index is named `year` rather than `timestamp`; the values and years are the same, so the
tests must not care what the index is called.
"""

EDITS = {
    "q2_answer": [
        (
            'frame.groupby(frame["timestamp"].dt.year)["cnt"]',
            'frame.assign(year=frame["timestamp"].dt.year).groupby("year")["cnt"]',
        ),
    ],
}
