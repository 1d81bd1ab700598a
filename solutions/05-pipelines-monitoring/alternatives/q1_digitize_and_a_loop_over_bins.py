"""`np.digitize` (the same bins as searchsorted with side="right"), NaN dropped with `np.isnan`,
and the sum written as a loop over the bins with `math.log`."""

EDITS = {
    "q1_answer": [
        (
            '    ref_share = np.bincount(np.searchsorted(edges, ref, side="right"), '
            '''minlength=slots) / len(ref)
    cur_share = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=slots) / len(cur)
    ref_share = np.maximum(ref_share, 1e-4)
    cur_share = np.maximum(cur_share, 1e-4)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))''',
            '''    import math

    ref_bin, cur_bin = np.digitize(ref, edges), np.digitize(cur, edges)
    total = 0.0
    for slot in range(slots):
        r = max(np.count_nonzero(ref_bin == slot) / ref.size, 0.0001)
        c = max(np.count_nonzero(cur_bin == slot) / cur.size, 0.0001)
        total += (c - r) * math.log(c / r)
    return total''',
        ),
    ],
}
