"""Picks a version by hash modulo the number of versions, ignoring the weights."""

REPLACEMENTS = {
    "q4_answer": '''def choose(key, weights, salt=""):
    """The version that serves `key`: deterministic, with the shares given in `weights`."""
    import hashlib

    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return list(weights)[int.from_bytes(digest[:8], "big") % len(weights)]
''',
}
LOSES = ['q4_test']
