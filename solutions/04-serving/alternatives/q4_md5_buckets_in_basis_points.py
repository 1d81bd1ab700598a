"""Hashes with md5 into one of 10,000 buckets and walks the versions with their shares in basis
points: integers, so no floating-point sum decides the last bucket."""

EDITS = {
    "q4_answer": [
        (
            '''    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    bound = 0.0
    for version, weight in weights.items():
        bound += weight
        if point < bound:
            return version
    return list(weights)[-1]''',
            '''    bucket = int(hashlib.md5((salt + "/" + key).encode()).hexdigest(), 16) % 10_000
    edge = 0
    for version, weight in weights.items():
        edge += round(weight * 10_000)
        if bucket < edge:
            return version
    return next(reversed(weights))''',
        ),
    ],
}
