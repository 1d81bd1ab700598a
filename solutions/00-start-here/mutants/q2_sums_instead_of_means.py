"""Adds up the rentals of each year instead of averaging them per hour.

The index is right and 2012 still beats 2011, so the visible tests pass; the hidden tests
check the values.
"""

EDITS = {"q2_answer": [('["cnt"].mean()', '["cnt"].sum()')]}
LOSES = ["q2_test"]
