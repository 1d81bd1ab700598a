"""Counts every missing cell of the frame, not the rows whose `weathersit` is missing.

On the course's data only `weathersit` has gaps, so the number is right there; any frame with a
gap in another column (a sensor that drops out, a join that finds nothing) inflates it.
"""

EDITS = {"q1_answer": [('int(frame["weathersit"].isna().sum())', "int(frame.isna().sum().sum())")]}
LOSES = ["q1_test"]
