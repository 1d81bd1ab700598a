"""Flags any text that mentions a password, a key or a token: every secret is caught, and so
is every question about secrets (low precision)."""

REPLACEMENTS = {
    "q3_answer": '''import re


def contains_secret(text):
    """True when `text` contains a credential value (key, token, password, private key)."""
    return bool(re.search(r"(?i)password|passwd|pwd|secret|key|token|sk-|://", text))''',
}
LOSES = ["q3_test"]
