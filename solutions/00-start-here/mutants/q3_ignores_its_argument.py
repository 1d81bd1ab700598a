"""Loads the whole dataset again instead of splitting the frame it was given.

The sizes are right for the full data, so the visible tests pass; the hidden test passes a
smaller frame.
"""

REPLACEMENTS = {
    "q3_answer": '''def split_sizes(frame):
    """Rows in the reference period and in all production windows together."""
    reference = datasets.reference_period()
    windows = datasets.production_windows()
    return {"reference": len(reference), "production": sum(len(w) for w in windows)}''',
}
LOSES = ["q3_test"]
