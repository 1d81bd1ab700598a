"""Counts only the first production window (January 2012) as "production".

`production_windows` returns a list of monthly windows; taking the first one forgets the rest.
"""

EDITS = {"q3_answer": [(": sum(len(w) for w in windows)", ": len(windows[0])")]}
LOSES = ["q3_test"]
