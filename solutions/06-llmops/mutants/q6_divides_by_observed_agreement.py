"""Divides by 1 - p_o instead of 1 - p_e: the correction is scaled by the wrong quantity.

It also fails with ZeroDivisionError whenever the raters agree on every item.
"""

EDITS = {"q6_answer": [(
    "    return (observed - chance) / (1 - chance)",
    "    return (observed - chance) / (1 - observed)",
)]}
LOSES = ["q6_test"]
