"""Counts with `np.histogram` over the edges closed by -inf and +inf (its bins are [a, b), so a
value on an edge goes to the bin above), drops NaN with a mask helper, floors with `np.clip`."""

EDITS = {
    "q1_answer": [
        (
            '''    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    ref, cur = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    slots = len(edges) + 1
    ref_share = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=slots) / len(ref)
    cur_share = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=slots) / len(cur)
    ref_share = np.maximum(ref_share, 1e-4)
    cur_share = np.maximum(cur_share, 1e-4)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))''',
            '''    def present(sample):
        values = np.asarray(sample, dtype=float)
        return values[np.isfinite(values) | np.isinf(values)]

    ref, cur = present(reference), present(current)
    inner = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    outer = np.concatenate([[-np.inf], inner, [np.inf]])
    expected = np.clip(np.histogram(ref, bins=outer)[0] / ref.size, 0.0001, None)
    actual = np.clip(np.histogram(cur, bins=outer)[0] / cur.size, 0.0001, None)
    return float(((actual - expected) * np.log(actual / expected)).sum())''',
        ),
    ],
}
