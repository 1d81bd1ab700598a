"""Returns the decisions sorted by window name instead of in the order of `windows`."""

EDITS = {"q2_answer": [("    return decisions", "    return dict(sorted(decisions.items()))")]}
LOSES = ["q2_test"]
