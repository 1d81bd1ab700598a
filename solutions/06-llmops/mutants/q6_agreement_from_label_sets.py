"""Observed agreement counted only over the labels both raters use (a set intersection of
labels instead of item by item), so agreement is not a property of the items at all."""

EDITS = {"q6_answer": [(
    "    observed = sum(a == b for a, b in zip(rater_a, rater_b, strict=True)) / n",
    "    observed = len(set(rater_a) & set(rater_b)) / len(set(rater_a) | set(rater_b))",
)]}
LOSES = ["q6_test"]
