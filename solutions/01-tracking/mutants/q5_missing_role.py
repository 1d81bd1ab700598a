"""A story without a role: nobody to ask whether it is done."""

EDITS = {
    "q5_answer": [
        (
            '"role": "ML engineer",',
            '"role": "",',
        ),
    ],
}
LOSES = ["q5_test"]
