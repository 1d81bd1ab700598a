"""Writes `__pycache__` and `*.pyc` as git would, which in Docker only match at the top of the
context: caches inside app/ are still sent.
"""

EDITS = {"q2_answer": [("**/__pycache__", "__pycache__"), ("**/*.pyc", "*.pyc")]}
LOSES = ['q2_test']
