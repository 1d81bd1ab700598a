"""Draws a random number per call: the same user flips between versions."""

EDITS = {
    "q4_answer": [
        (
            '''digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64''',
            '''import random

    point = random.random()''',
        ),
        ("(weights)[-1]", "(weights)[-1]\n"),
    ],
}
LOSES = ['q4_test']
