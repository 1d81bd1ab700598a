"""Drops missing values from the reference but not from the current sample.

`np.searchsorted` sorts NaN above every edge, so the current sample's missing values pile into
the top bin and its shares are taken over rows that have no value.
"""

EDITS = {
    "q1_answer": [
        ("ref, cur = ref[~np.isnan(ref)], cur[~np.isnan(cur)]", "ref = ref[~np.isnan(ref)]"),
    ],
}
LOSES = ["q1_test"]
