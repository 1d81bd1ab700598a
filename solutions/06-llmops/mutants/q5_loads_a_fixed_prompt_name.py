"""Loads `lab06-answer` whatever name it is given: passes for the one prompt the lab
publishes, fails for any other."""

EDITS = {
    "q5_answer": [
        ('f"prompts:/{name}', '"prompts:/lab06-answer'),
        (
            '''# Your answer prompt: a chat template with {{question}} and {{context}}.
MY_TEMPLATE''',
            "MY_TEMPLATE",
        ),
    ],
}
LOSES = ["q5_test"]
