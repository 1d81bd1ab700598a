"""Interpolates with `numpy.interp` between the sorted values at positions 0 .. n-1: numpy, but
not its ready-made percentile."""

EDITS = {
    "q1_answer": [
        (
            '''ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)''',
            '''ordered = np.sort(np.asarray(values, dtype=float))
    positions = np.arange(len(ordered))
    return float(np.interp(q / 100 * (len(ordered) - 1), positions, ordered))''',
        ),
    ],
}
