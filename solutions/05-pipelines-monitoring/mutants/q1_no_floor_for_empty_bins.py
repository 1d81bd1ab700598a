"""Forgets the 0.0001 floor: an empty bin makes the logarithm infinite (or NaN).

Works on similar samples, where every bin holds something, and breaks on exactly the windows
that moved most.
"""

REPLACEMENTS = {
    "q1_answer": '''def psi(reference, current, bins=10):
    """Population stability index of `current` against `reference` (numeric samples)."""
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    ref, cur = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    slots = len(edges) + 1
    ref_share = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=slots) / len(ref)
    cur_share = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=slots) / len(cur)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))''',
}
LOSES = ["q1_test"]
