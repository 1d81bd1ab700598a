"""Adds up the rentals of each year instead of averaging them per hour.

The index is right and 2012 still beats 2011, so the visible tests pass; the hidden tests
check the values.
"""

REPLACEMENTS = {
    "q2_answer": '''def mean_rentals_by_year(frame):
    """Mean rentals per hour (`cnt`), indexed by the calendar year of `timestamp`."""
    return frame.groupby(frame["timestamp"].dt.year)["cnt"].sum()''',
}
LOSES = ["q2_test"]
