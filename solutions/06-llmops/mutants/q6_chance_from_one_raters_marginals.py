"""Takes the chance agreement from rater A's label frequencies alone (p_A(label) squared).

Right only when both raters use the labels equally often; a judge that says "correct" far
more often than the course does is credited with the wrong chance level.
"""

EDITS = {"q6_answer": [(
    "chance = sum(count_a[label] * count_b[label] for label in count_a) / n**2",
    "chance = sum(count_a[label] ** 2 for label in count_a) / n**2",
)]}
LOSES = ["q6_test"]
