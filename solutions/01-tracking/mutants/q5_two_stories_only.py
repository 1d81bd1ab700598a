"""Only two stories: the API story was dropped, and a backlog
of two is not the first sprint's backlog the question asks for."""

EDITS = {
    "q5_answer": [
        (
            '    {\n'
            '        "role": "ML engineer",\n'
            '        "want": "the prediction API to refuse out-of-range inputs",\n'
            '        "so_that": "a broken weather feed never turns into a silent '
            'wrong forecast",\n'
            '        "acceptance_criteria": [\n'
            '            "POST /v1/predict returns 422 when hum is above 100 or '
            'temp is below -20",\n'
            '        ],\n'
            '        "definition_of_done": DEFINITION_OF_DONE,\n'
            '    },\n',
            '',
        ),
    ],
}
LOSES = ["q5_test"]
