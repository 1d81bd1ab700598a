"""Takes the last rows as they come, without sorting by `timestamp` first.

Right on the reference period, which happens to be sorted; wrong on any frame that is not, such
as the shuffled frame the hidden test passes.
"""

EDITS = {
    "q1_answer": [
        (
            'ordered = frame.sort_values("timestamp", kind="stable")',
            'ordered = frame',
        ),
    ],
}
LOSES = ['q1_test']
