"""Imports `math` at the top of the cell, sorts a copy with `list.sort` and interpolates between
`floor` and `ceil` of the rank (equal when the rank is whole)."""

EDITS = {
    "q1_answer": [
        ("def percentile(values, q):", "import math\n\n\ndef percentile(values, q):"),
        (
            '''ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)''',
            '''ordered = list(values)
    ordered.sort()
    rank = (len(ordered) - 1) * q / 100
    below, above = math.floor(rank), math.ceil(rank)
    weight = rank - below
    return (1 - weight) * ordered[below] + weight * ordered[above]''',
        ),
    ],
}
