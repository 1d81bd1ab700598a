"""Counts the hours that HAVE a weather situation instead of those that miss one.

`Series.count()` skips missing values, so it answers the opposite question. The visible tests
pass (the number is between 1 and the number of rows); the hidden test's exact count does not.
"""

EDITS = {"q1_answer": [("isna().sum", "count")]}
LOSES = ["q1_test"]
