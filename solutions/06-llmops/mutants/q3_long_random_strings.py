"""Flags any long run of letters and digits: catches keys and tokens, but also commit hashes,
run ids and checksums."""

REPLACEMENTS = {
    "q3_answer": '''import re


def contains_secret(text):
    """True when `text` contains a credential value (key, token, password, private key)."""
    return bool(re.search(r"[A-Za-z0-9_\\-]{20,}", text)) or "PRIVATE KEY" in text''',
}
LOSES = ["q3_test"]
