"""Bounds `hr` below only: an hour of 24 (or 99) is accepted."""

EDITS = {"q1_answer": [("le=23, description", "description"), ('hours.")', 'hours.")\n')]}
LOSES = ['q1_test']
