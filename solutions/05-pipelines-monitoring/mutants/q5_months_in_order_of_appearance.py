"""Writes the months in the order they first appear in the file instead of sorting them: right
for a file in time order, scrambled for one exported in another order."""

EDITS = {"q5_answer": [("for month in sorted(totals):", "for month in totals:")]}
LOSES = ["q5_test"]
