"""Takes the bin edges from the quantiles of the current sample instead of the reference's.

The bins then move with the data they should measure: a shifted window still fills its own
deciles evenly, and the shift is mostly hidden.
"""

REPLACEMENTS = {
    "q1_answer": '''def psi(reference, current, bins=10):
    """Population stability index of `current` against `reference` (numeric samples)."""
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    ref, cur = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    edges = np.unique(np.quantile(cur, np.linspace(0, 1, bins + 1)[1:-1]))
    slots = len(edges) + 1
    ref_share = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=slots) / len(ref)
    cur_share = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=slots) / len(cur)
    ref_share = np.maximum(ref_share, 1e-4)
    cur_share = np.maximum(cur_share, 1e-4)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))''',
}
LOSES = ["q1_test"]
