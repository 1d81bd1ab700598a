"""Sums current * ln(current / reference): the Kullback-Leibler divergence, not the PSI.

PSI is the symmetric sum of both divergences; dropping the `- reference` term measures only one
direction and gives another number (the visible reference value catches it).
"""

EDITS = {"q1_answer": [("(cur_share - ref_share)", "cur_share")]}
LOSES = ["q1_test"]
