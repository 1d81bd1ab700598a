"""Resamples by calendar year on `timestamp`, then labels each mean with its year.

Another pandas route to the same means: `resample` sorts the rows itself.
"""

EDITS = {
    "q2_answer": [
        (
            'return frame.groupby(frame["timestamp"].dt.year)["cnt"].mean()',
            'means = frame.resample("YS", on="timestamp")["cnt"].mean()\n'
            "    return means.set_axis(means.index.year)",
        ),
    ],
}
