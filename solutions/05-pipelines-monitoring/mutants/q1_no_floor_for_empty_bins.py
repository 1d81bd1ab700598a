"""Forgets the 0.0001 floor: an empty bin makes the logarithm infinite (or NaN).

Works on similar samples, where every bin holds something, and breaks on exactly the windows
that moved most.
"""

EDITS = {
    "q1_answer": [
        (
            '''ref_share = np.maximum(ref_share, 1e-4)
    cur_share = np.maximum(cur_share, 1e-4)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))''',
            '''with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))''',
        ),
    ],
}
LOSES = ["q1_test"]
