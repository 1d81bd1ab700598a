"""pandas.crosstab for the table of label pairs, reindexed so both raters' labels are rows
and columns; marginals with `normalize="all"`."""

EDITS = {"q6_answer": [(
    '''    from collections import Counter

    n = len(rater_a)
    observed = sum(a == b for a, b in zip(rater_a, rater_b, strict=True)) / n
    count_a, count_b = Counter(rater_a), Counter(rater_b)
    chance = sum(count_a[label] * count_b[label] for label in count_a) / n**2
    if chance == 1:
        return float("nan")
    return (observed - chance) / (1 - chance)''',
    '''    import pandas as pd

    labels = pd.unique(pd.Series([*rater_a, *rater_b], dtype=object))
    table = pd.crosstab(pd.Series(rater_a, dtype=object), pd.Series(rater_b, dtype=object),
                        normalize="all").reindex(index=labels, columns=labels, fill_value=0)
    agreement = float(sum(table.loc[label, label] for label in labels))
    chance = float((table.sum(axis=1) * table.sum(axis=0)).sum())
    return float("nan") if abs(1 - chance) < 1e-12 else (agreement - chance) / (1 - chance)''',
)]}
