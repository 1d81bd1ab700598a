"""Another statistic: for numbers, the Wasserstein distance (scipy) in units of the reference's
standard deviation, above 0.2; for categories, the largest move of a category's share, above
0.1; and a rise of the missing share by more than 5 points on its own."""

EDITS = {
    "q6_answer": [
        (
            '''    scores = {}
    for column in drift.MONITORED:
        if column not in reference or column not in window:
            continue
        before, after = reference[column], window[column]
        rise = after.isna().mean() - before.isna().mean()
        if pd.api.types.is_numeric_dtype(before) and pd.api.types.is_numeric_dtype(after):
            score = psi(before, after) if after.notna().any() else float("inf")
        else:
            score = drift.psi_categorical(before.astype(object), after.astype(object))
        if rise > 0.05:  # a feed that drops out: a data-quality alarm on its own
            score = max(score, 10 * rise)
        if score > 0.2:
            scores[column] = score
    ranked = sorted(scores, key=scores.get, reverse=True)[:3]
    return bool(ranked), ranked''',
            '''    from scipy.stats import wasserstein_distance

    moved = {}
    for column in [c for c in drift.MONITORED if c in reference and c in window]:
        before, after = reference[column].dropna(), window[column].dropna()
        missing = window[column].isna().mean() - reference[column].isna().mean()
        if after.empty:
            size = float("inf")
        elif pd.api.types.is_numeric_dtype(before):
            spread = before.std() or 1.0
            size = wasserstein_distance(before, after) / spread
        else:
            old = before.astype(str).value_counts(normalize=True)
            new = after.astype(str).value_counts(normalize=True)
            size = 2 * old.sub(new, fill_value=0.0).abs().max()
        if missing > 0.05:
            size = max(size, 10 * missing)
        if size > 0.2:
            moved[column] = size
    ranked = sorted(moved, key=moved.get, reverse=True)[:3]
    return bool(ranked), ranked''',
        ),
    ],
}
