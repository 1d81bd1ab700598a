"""Takes the bin edges from the quantiles of the current sample instead of the reference's.

The bins then move with the data they should measure: a shifted window still fills its own
deciles evenly, and the shift is mostly hidden.
"""

EDITS = {"q1_answer": [("quantile(ref,", "quantile(cur,")]}
LOSES = ["q1_test"]
