"""pandas, imported at the top of the cell, for what it does well: `dropna`, `pd.cut`
with `right=False` (intervals [a, b), so a value on an edge goes to the bin above) and
`value_counts(normalize=True)`."""

EDITS = {
    "q1_answer": [
        (
            "def psi(",
            '''import math

import pandas


def psi(''',
        ),
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
            '''    before = pandas.Series(np.asarray(reference, dtype=float)).dropna()
    after = pandas.Series(np.asarray(current, dtype=float)).dropna()
    cuts = sorted(set(np.quantile(before, np.linspace(0, 1, bins + 1)[1:-1])))
    cuts = [-math.inf, *cuts, math.inf]

    def shares(sample):
        binned = pandas.cut(sample, cuts, right=False)
        return binned.value_counts(normalize=True, sort=False).clip(lower=0.0001).to_numpy()

    old, new = shares(before), shares(after)
    return float(sum((n - o) * math.log(n / o) for o, n in zip(old, new, strict=True)))''',
        ),
    ],
}
