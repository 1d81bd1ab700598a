"""Runs `ruff check --exit-zero .`: ruff prints its findings and always exits 0.

A lint step that cannot fail lets every finding through to the image.
"""

EDITS = {"q3_answer": [("      - run: ruff check .\n", "      - run: ruff check --exit-zero .\n")]}
LOSES = ["q3_test"]
