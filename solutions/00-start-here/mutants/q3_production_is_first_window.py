"""Counts only the first production window (January 2012) as "production".

`production_windows` returns a list of monthly windows; taking the first one forgets the rest.
"""

REPLACEMENTS = {
    "q3_answer": '''def split_sizes(frame):
    """Rows in the reference period and in all production windows together."""
    reference = datasets.reference_period(frame)
    windows = datasets.production_windows(frame)
    return {"reference": len(reference), "production": len(windows[0])}''',
}
LOSES = ["q3_test"]
