"""Returns the share of hours without a weather situation, not their number.

`isna().mean()` is a common way to measure missingness, but the question asks for a count.
"""

EDITS = {
    "q1_answer": [
        ('int(frame["weathersit"].isna().sum', 'float(frame["weathersit"].isna().mean'),
    ],
}
LOSES = ["q1_test"]
