"""Imports numpy's quantile under another name at the top of the cell and calls it.

The question asks for the computation itself; a check of the names the function calls must
look at what those names are, not only how they are spelt.
"""

EDITS = {
    "q1_answer": [
        (
            "def percentile(values, q):",
            "from numpy import quantile as interpolate\n\n\ndef percentile(values, q):",
        ),
        (
            '''ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)''',
            "return float(interpolate(values, q / 100))",
        ),
    ],
}
LOSES = ["q1_test"]
