"""Knows only the well-known key prefixes (sk-, ghp_, AKIA): precise, but passwords,
connection strings, private keys and tokens pass (low recall)."""

REPLACEMENTS = {
    "q3_answer": '''import re


def contains_secret(text):
    """True when `text` contains a credential value (key, token, password, private key)."""
    known = r"\\bsk-[A-Za-z0-9-]{16,}|\\bghp_[A-Za-z0-9]{20,}|\\bAKIA[0-9A-Z]{16}"
    return bool(re.search(known, text))''',
}
LOSES = ["q3_test"]
