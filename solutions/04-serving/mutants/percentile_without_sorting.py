"""Interpolates between ranks of the values as given, unsorted."""

REPLACEMENTS = {
    "q1_answer": '''def percentile(values, q):
    """The q-th percentile (0-100) of `values`, interpolating linearly between closest ranks."""
    if not values:
        raise ValueError("the percentile of no values is undefined")
    ordered = list(values)
    rank = q / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
''',
}
LOSES = ['q1_test']
