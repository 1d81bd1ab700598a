"""Draws a random number per call: the same user flips between versions."""

REPLACEMENTS = {
    "q4_answer": '''def choose(key, weights, salt=""):
    """The version that serves `key`: deterministic, with the shares given in `weights`."""
    import hashlib

    import random

    point = random.random()
    bound = 0.0
    for version, weight in weights.items():
        bound += weight
        if point < bound:
            return version
    return list(weights)[-1]
''',
}
LOSES = ['q4_test']
