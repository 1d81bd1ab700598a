"""Divides each bin's count by the number of rows before the missing values were dropped.

The shares then sum to less than one on a sample with gaps, and a feed with missing values
looks like drift in every bin.
"""

EDITS = {
    "q1_answer": [
        ("minlength=slots) / len(ref)", "minlength=slots) / np.size(reference)"),
        ("minlength=slots) / len(cur)", "minlength=slots) / np.size(current)"),
    ],
}
LOSES = ["q1_test"]
