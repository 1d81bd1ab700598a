"""Takes the value at rank int(q / 100 * n), clamped: no interpolation, one rank off."""

EDITS = {
    "q1_answer": [
        (
            '''rank = q / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)''',
            "return ordered[min(int(q / 100 * len(ordered)), len(ordered) - 1)]\n",
        ),
    ],
}
LOSES = ['q1_test']
