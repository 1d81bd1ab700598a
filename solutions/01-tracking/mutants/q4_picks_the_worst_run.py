"""Sorts the runs by `mae` in descending order, so the worst run becomes the champion.
"""

EDITS = {
    "q4_answer": [
        (
            '"metrics.mae ASC"',
            '"metrics.mae DESC"',
        ),
    ],
}
LOSES = ['q4_test']
