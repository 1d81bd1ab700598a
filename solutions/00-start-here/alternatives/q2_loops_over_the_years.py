"""Builds the Series from a dict, one mean per year, with the mean computed by hand.

A plain loop is as correct as a one-line groupby; the index has no name at all.
"""

EDITS = {
    "q2_answer": [
        (
            'return frame.groupby(frame["timestamp"].dt.year)["cnt"].mean()',
            """import pandas as pd

    years = frame["timestamp"].dt.year
    means = {}
    for year in sorted(years.unique()):
        rentals = frame.loc[years == year, "cnt"]
        means[int(year)] = rentals.sum() / len(rentals)
    return pd.Series(means)""",
        ),
    ],
}
