"""Hashes the key alone, so a new salt does not reshuffle anyone."""

EDITS = {"q4_answer": [('f"{salt}:{key}"', "key"), ("(weights)[-1]", "(weights)[-1]\n")]}
LOSES = ['q4_test']
