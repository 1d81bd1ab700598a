"""Imports at the top of the cell, hashes with blake2b, and finds the slice with `bisect` over
the running totals of the shares (`itertools.accumulate`)."""

EDITS = {
    "q4_answer": [
        (
            "def choose(key, weights, salt=\"\"):",
            '''import hashlib
from bisect import bisect_right
from itertools import accumulate


def choose(key, weights, salt=""):''',
        ),
        (
            '''    import hashlib

    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    bound = 0.0
    for version, weight in weights.items():
        bound += weight
        if point < bound:
            return version
    return list(weights)[-1]''',
            '''    versions = list(weights)
    digest = hashlib.blake2b(f"{key}|{salt}".encode(), digest_size=8).digest()
    point = int.from_bytes(digest, "little") / 2**64
    slot = bisect_right(list(accumulate(weights.values())), point)
    return versions[min(slot, len(versions) - 1)]''',
        ),
    ],
}
