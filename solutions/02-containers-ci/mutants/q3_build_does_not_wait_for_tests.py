"""Builds the image in parallel with the tests (no `needs`), so a broken commit still gets an
image.
"""

EDITS = {"q3_answer": [("    needs: test\n", "")]}
LOSES = ['q3_test']
