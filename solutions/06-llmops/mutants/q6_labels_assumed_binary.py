"""Assumes two labels: chance is p_A(pos) p_B(pos) + (1 - p_A(pos)) (1 - p_B(pos)) for one
"positive" label.

Right for correct / incorrect, wrong as soon as a judge may answer a third way ("unsure",
or unparseable as in 06b) or labels are scores 1-3.
"""

EDITS = {"q6_answer": [(
    "    chance = sum(count_a[label] * count_b[label] for label in count_a) / n**2",
    """    positive = max(set(rater_a) | set(rater_b))
    share_a, share_b = count_a[positive] / n, count_b[positive] / n
    chance = share_a * share_b + (1 - share_a) * (1 - share_b)""",
)]}
LOSES = ["q6_test"]
