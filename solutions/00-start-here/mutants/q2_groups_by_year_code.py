"""Groups by the `yr` code (0 and 1) instead of the calendar year of `timestamp`.

The means are right but the index is [0, 1], so nothing downstream can look up 2012.
"""

REPLACEMENTS = {
    "q2_answer": '''def mean_rentals_by_year(frame):
    """Mean rentals per hour (`cnt`), indexed by the calendar year of `timestamp`."""
    return frame.groupby("yr")["cnt"].mean()''',
}
LOSES = ["q2_test"]
