"""Always points `production` at version 1: right the first time, wrong after the prompt
changes (the alias never moves)."""

EDITS = {
    "q5_answer": [
        ("=version.version", "=1"),
        (
            '''# Your answer prompt: a chat template with {{question}} and {{context}}.
MY_TEMPLATE''',
            "MY_TEMPLATE",
        ),
    ],
}
LOSES = ["q5_test"]
