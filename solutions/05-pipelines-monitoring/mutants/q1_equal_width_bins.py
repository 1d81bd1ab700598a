"""Cuts the reference's range into equal-width bins instead of quantile bins.

On evenly spread values both give the same edges (the visible toy case passes); on skewed data
such as rentals per hour most values crowd into the first bins and the PSI differs.
"""

REPLACEMENTS = {
    "q1_answer": '''def psi(reference, current, bins=10):
    """Population stability index of `current` against `reference` (numeric samples)."""
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    ref, cur = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    edges = np.linspace(ref.min(), ref.max(), bins + 1)[1:-1]
    slots = len(edges) + 1
    ref_share = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=slots) / len(ref)
    cur_share = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=slots) / len(cur)
    ref_share = np.maximum(ref_share, 1e-4)
    cur_share = np.maximum(cur_share, 1e-4)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))''',
}
LOSES = ["q1_test"]
