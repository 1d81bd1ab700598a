"""Uses Python's hash(), which is salted differently in every process."""

EDITS = {
    "q4_answer": [
        (
            '''digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64''',
            'point = (hash(f"{salt}:{key}") % 10**9) / 10**9',
        ),
        ("(weights)[-1]", "(weights)[-1]\n"),
    ],
}
LOSES = ['q4_test']
