"""The first story appears twice, the copy written in capitals
with a full stop: the same ticket on the board twice, whatever its spelling."""

EDITS = {
    "q5_answer": [
        (
            '        "definition_of_done": DEFINITION_OF_DONE,\n'
            '    },\n'
            ']',
            '        "definition_of_done": DEFINITION_OF_DONE,\n'
            '    },\n'
            ']\n'
            'STORIES.append(dict(STORIES[0], want=STORIES[0]["want"].upper() + "."))',
        ),
    ],
}
LOSES = ["q5_test"]
