"""Hashes the key alone, so a new salt does not reshuffle anyone."""

REPLACEMENTS = {
    "q4_answer": '''def choose(key, weights, salt=""):
    """The version that serves `key`: deterministic, with the shares given in `weights`."""
    import hashlib

    digest = hashlib.sha256(key.encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    bound = 0.0
    for version, weight in weights.items():
        bound += weight
        if point < bound:
            return version
    return list(weights)[-1]
''',
}
LOSES = ['q4_test']
