"""Lets in app/ but not model/: the Dockerfile's `COPY model/` then finds nothing and the build
fails.
"""

EDITS = {
    "q2_answer": [
        (
            '''!model/
*''',
            "*",
        ),
    ],
}
LOSES = ['q2_test']
