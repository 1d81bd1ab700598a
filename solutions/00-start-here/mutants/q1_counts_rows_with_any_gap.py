"""Counts the rows with a gap in ANY column, not the rows without a weather situation.

Right while `weathersit` is the only column with gaps; wrong as soon as another column has one.
"""

EDITS = {
    "q1_answer": [
        ('int(frame["weathersit"].isna().sum())', "int(frame.isna().any(axis=1).sum())"),
    ],
}
LOSES = ["q1_test"]
