"""Groups by the `yr` code (0 and 1) instead of the calendar year of `timestamp`.

The means are right but the index is [0, 1], so nothing downstream can look up 2012.
"""

EDITS = {"q2_answer": [('frame["timestamp"].dt.year', '"yr"')]}
LOSES = ["q2_test"]
