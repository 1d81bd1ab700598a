"""Counter over (a, b) pairs, chance from each rater's marginal shares, with fractions.Fraction
so p_e = 1 is tested exactly."""

EDITS = {"q6_answer": [(
    '''    from collections import Counter

    n = len(rater_a)
    observed = sum(a == b for a, b in zip(rater_a, rater_b, strict=True)) / n
    count_a, count_b = Counter(rater_a), Counter(rater_b)
    chance = sum(count_a[label] * count_b[label] for label in count_a) / n**2
    if chance == 1:
        return float("nan")
    return (observed - chance) / (1 - chance)''',
    '''    from collections import Counter
    from fractions import Fraction

    pairs = Counter(zip(rater_a, rater_b))
    total = sum(pairs.values())
    agree = Fraction(sum(c for (a, b), c in pairs.items() if a == b), total)
    row, col = Counter(), Counter()
    for (a, b), c in pairs.items():
        row[a] += c
        col[b] += c
    chance = sum(Fraction(row[x] * col[x], total * total) for x in row.keys() | col.keys())
    if chance == 1:
        return float("nan")
    return float((agree - chance) / (1 - chance))''',
)]}
