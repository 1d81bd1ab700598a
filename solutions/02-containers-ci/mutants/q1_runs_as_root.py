"""Never switches to the unprivileged user it creates: the app runs as root.
"""

EDITS = {
    "q1_answer": [
        (
            '''USER 10001
EXPOSE''',
            "EXPOSE",
        ),
    ],
}
LOSES = ['q1_test']
