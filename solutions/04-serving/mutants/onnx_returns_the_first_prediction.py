"""Returns the first prediction only, not one per row."""

EDITS = {
    "q3_answer": [
        ("(output, dtype=np.float64).ravel()", "(output[0], dtype=np.float64).ravel()\n"),
    ],
}
LOSES = ['q3_test']
