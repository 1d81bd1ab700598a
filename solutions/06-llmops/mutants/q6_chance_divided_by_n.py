"""Normalises the chance agreement by the number of items instead of its square.

The products of counts must be divided by n twice (once per rater) to become products of
shares; divided once, p_e is n times too large.
"""

EDITS = {"q6_answer": [(
    "chance = sum(count_a[label] * count_b[label] for label in count_a) / n**2",
    "chance = sum(count_a[label] * count_b[label] for label in count_a) / n",
)]}
LOSES = ["q6_test"]
