"""Divides by 2**20 (mebibytes) where the question asks for megabytes (10**6 bytes).
"""

EDITS = {
    "q4_answer": [
        ("(kinds.get(kind, 0) / 1e6, 1)", "(kinds.get(kind, 0) / 2**20, 1)"),
        (
            "((naive.total_bytes - mine.total_bytes) / 1e6, 1)",
            "((naive.total_bytes - mine.total_bytes) / 2**20, 1)",
        ),
    ],
}
LOSES = ['q4_test']
