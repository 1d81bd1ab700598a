"""Recognises "no champion" only when champion_mae is exactly -1 (the value of the visible
tests), although the contract says any negative value."""

EDITS = {"q4_answer": [("if champion_mae < 0:", "if champion_mae == -1:")]}
LOSES = ["q4_test"]
