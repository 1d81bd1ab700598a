"""scikit-learn's own function (the question allows any library): it returns nan, with a
warning, when both raters use one label, and the warning must not cost points."""

EDITS = {"q6_answer": [(
    '''    from collections import Counter

    n = len(rater_a)
    observed = sum(a == b for a, b in zip(rater_a, rater_b, strict=True)) / n
    count_a, count_b = Counter(rater_a), Counter(rater_b)
    chance = sum(count_a[label] * count_b[label] for label in count_a) / n**2
    if chance == 1:
        return float("nan")
    return (observed - chance) / (1 - chance)''',
    '''    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(rater_a, rater_b))''',
)]}
