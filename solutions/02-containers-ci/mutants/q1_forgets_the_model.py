"""Copies app/ but not model/: the image builds, and the app crashes at start-up looking for
model/model.skops.
"""

EDITS = {
    "q1_answer": [
        (
            '''COPY model/ ./model/
USER''',
            "USER",
        ),
    ],
}
LOSES = ['q1_test']
