"""Interpolates between ranks of the values as given, unsorted."""

EDITS = {
    "q1_answer": [
        ("ordered = sorted(values)", "ordered = list(values)"),
        ("(rank - low)", "(rank - low)\n"),
    ],
}
LOSES = ['q1_test']
