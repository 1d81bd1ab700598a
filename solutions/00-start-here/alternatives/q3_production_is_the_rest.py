"""Counts the reference period with the helper and production as every other row.

The data holds 2011 and 2012 only, so what is not reference is production.
"""

EDITS = {
    "q3_answer": [
        ('"production": sum(len(w) for w in windows)', '"production": len(frame) - len(reference)'),
    ],
}
