"""Sorts the runs by `mae` in descending order, so the worst run becomes the champion.
"""

EDITS = {"q4_answer": [('mae ASC"', 'mae DESC"')]}
LOSES = ['q4_test']
