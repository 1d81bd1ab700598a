"""Creates a study that maximises the error: its best trial is the worst setting."""

EDITS = {
    "q6_answer": [('direction="minimize"', 'direction="maximize"')],
}
LOSES = ["q6_test"]
