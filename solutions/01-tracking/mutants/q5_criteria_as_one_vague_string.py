"""The acceptance criteria of the API story are one
vague sentence ("the API handles bad input properly") given as a plain string."""

EDITS = {
    "q5_answer": [
        (
            '"acceptance_criteria": [\n'
            '            "POST /v1/predict returns 422 when hum is above 100 or '
            'temp is below -20",\n'
            '        ],',
            '"acceptance_criteria": "the API handles bad input properly",',
        ),
    ],
}
LOSES = ["q5_test"]
