"""A definition of done that never mentions tests: "done"
then means "merged", and nothing checks the criteria."""

EDITS = {
    "q5_answer": [
        (
            '"tests that check each acceptance criterion pass in CI",',
            '"merged into main after CI",',
        ),
    ],
}
LOSES = ["q5_test"]
