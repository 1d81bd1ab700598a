"""Counts the missing hours as all rows minus the rows `count()` sees (it skips NaN).

A right answer by another route: the tests must accept any way of counting the gaps.
"""

EDITS = {
    "q1_answer": [
        ('int(frame["weathersit"].isna().sum())', 'len(frame) - int(frame["weathersit"].count())'),
    ],
}
