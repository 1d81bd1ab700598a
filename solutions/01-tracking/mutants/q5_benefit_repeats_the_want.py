"""The benefit restates the want ("so that I have
today's forecast next to the rentals so far"), which says nothing about what the user gains.
"""

EDITS = {
    "q5_answer": [
        (
            '"so_that": "I notice a busy afternoon in time to send a van",',
            '"so_that": "Today\'s forecast next to the rentals so far!",',
        ),
    ],
}
LOSES = ["q5_test"]
