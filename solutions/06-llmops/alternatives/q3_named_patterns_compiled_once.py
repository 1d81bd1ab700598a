"""Compiles the patterns once, at the top of the cell, in a table named by the kind of secret,
and reports the kinds found (truthy when any): the same rules, another structure."""

EDITS = {
    "q3_answer": [
        (
            "def contains_secret(text):",
            '''SECRET_PATTERNS = {}


def contains_secret(text):''',
        ),
        (
            '''    patterns = [
        r"\\bsk-''',
            '''    if not SECRET_PATTERNS:
        SECRET_PATTERNS.update(
            (f"rule {number}", re.compile(rule)) for number, rule in enumerate(RULES, 1)
        )
    found = [kind for kind, pattern in SECRET_PATTERNS.items() if pattern.search(text)]
    return bool(found)


RULES = [
        r"\\bsk-''',
        ),
        (
            '''    ]
    return any(re.search(p, text) for p in patterns)''',
            "]",
        ),
    ],
}
