"""Puts a value equal to an edge in the bin below it (`side="left"`).

Indistinguishable on continuous values; on whole numbers (hours, counts, weather codes) many
values sit exactly on a quantile edge and move to another bin.
"""

EDITS = {
    "q1_answer": [
        ('np.searchsorted(edges, ref, side="right")', 'np.searchsorted(edges, ref, side="left")'),
        ('np.searchsorted(edges, cur, side="right")', 'np.searchsorted(edges, cur, side="left")'),
    ],
}
LOSES = ["q1_test"]
