"""Takes the value at rank int(q / 100 * n), clamped: no interpolation, one rank off."""

REPLACEMENTS = {
    "q1_answer": '''def percentile(values, q):
    """The q-th percentile (0-100) of `values`, interpolating linearly between closest ranks."""
    if not values:
        raise ValueError("the percentile of no values is undefined")
    ordered = sorted(values)
    return ordered[min(int(q / 100 * len(ordered)), len(ordered) - 1)]
''',
}
LOSES = ['q1_test']
