"""Leaves out caches one and two folders deep (`*/__pycache__`, `*/*/__pycache__`), as one would
list them level by level, instead of at any depth with `**`.

Today's caches are covered; one a level deeper is sent to the engine.
"""

EDITS = {
    "q2_answer": [
        ("**/__pycache__\n**/*.pyc", "__pycache__\n*/__pycache__\n*/*/__pycache__"),
    ],
}
LOSES = ["q2_test"]
