"""Interpolates at rank q / 100 * n instead of q / 100 * (n - 1)."""

EDITS = {
    "q1_answer": [
        ("* (len(ordered) - 1)", "* len(ordered)"),
        ("= int(rank)", "= min(int(rank), len(ordered) - 1)"),
        ("(rank - low)", "(rank - low)\n"),
    ],
}
LOSES = ['q1_test']
