"""Replaces only empty shares by 0.0001: a share of 0.00005 (one value in 20,000) stays below it.

The specification floors every share below 0.0001, so that one stray value weighs like an empty
bin instead of giving a larger PSI than no value at all.
"""

EDITS = {
    "q1_answer": [
        (
            '''ref_share = np.maximum(ref_share, 1e-4)
    cur_share = np.maximum(cur_share, 1e-4)''',
            '''ref_share = np.where(ref_share == 0, 1e-4, ref_share)
    cur_share = np.where(cur_share == 0, 1e-4, cur_share)''',
        ),
    ],
}
LOSES = ["q1_test"]
