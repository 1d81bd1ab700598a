"""Measures and counts the warm-up calls with the others."""

EDITS = {"q2_answer": [("(i, False) for", "(i, True) for"), ("}", "}\n")]}
LOSES = ['q2_test']
