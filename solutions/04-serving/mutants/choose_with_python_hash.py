"""Uses Python's hash(), which is salted differently in every process."""

REPLACEMENTS = {
    "q4_answer": '''def choose(key, weights, salt=""):
    """The version that serves `key`: deterministic, with the shares given in `weights`."""
    import hashlib

    point = (hash(f"{salt}:{key}") % 10**9) / 10**9
    bound = 0.0
    for version, weight in weights.items():
        bound += weight
        if point < bound:
            return version
    return list(weights)[-1]
''',
}
LOSES = ['q4_test']
