"""A confusion matrix in numpy: the diagonal is the observed agreement, the outer product of
its row and column sums the chance agreement."""

EDITS = {"q6_answer": [(
    '''    from collections import Counter

    n = len(rater_a)
    observed = sum(a == b for a, b in zip(rater_a, rater_b, strict=True)) / n
    count_a, count_b = Counter(rater_a), Counter(rater_b)
    chance = sum(count_a[label] * count_b[label] for label in count_a) / n**2
    if chance == 1:
        return float("nan")
    return (observed - chance) / (1 - chance)''',
    '''    labels = list(dict.fromkeys([*rater_a, *rater_b]))  # every label, first-seen order
    where = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)))
    for a, b in zip(rater_a, rater_b):
        matrix[where[a], where[b]] += 1
    shares = matrix / matrix.sum()
    p_o = np.trace(shares)
    p_e = shares.sum(axis=1) @ shares.sum(axis=0)
    if np.isclose(p_e, 1):
        return float("nan")
    return float((p_o - p_e) / (1 - p_e))''',
)]}
