"""Uses fixed numbers of rounds and calls instead of the arguments it is given."""

EDITS = {
    "q5_answer": [
        ("for _ in range(calls):", "for _ in range(50):"),
        ("/ calls", "/ 50"),
        ("for _ in range(rounds):", "for _ in range(7):"),
    ],
}
LOSES = ["q5_test"]
