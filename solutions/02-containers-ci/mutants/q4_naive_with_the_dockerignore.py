"""Estimates the naive image with today's .dockerignore, which did not exist when it was built:
the raw data and .git it copied are left out, so the saving is understated.
"""

EDITS = {"q4_answer": [("SERVICE, dockerignore=None", "SERVICE")]}
LOSES = ['q4_test']
