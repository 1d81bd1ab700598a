"""A story with no "so that": nothing says why it is worth
a sprint."""

EDITS = {
    "q5_answer": [
        (
            '"so_that": "I notice a busy afternoon in time to send a van",',
            '"so_that": "",',
        ),
    ],
}
LOSES = ["q5_test"]
