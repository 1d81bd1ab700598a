"""Runs the tests as `pytest -q || true`, so the test job is green whatever the tests say.

The structure is right and pytest runs; only running the job with a failing test shows that
nothing can stop the build.
"""

EDITS = {"q3_answer": [("      - run: pytest -q\n", "      - run: pytest -q || true\n")]}
LOSES = ["q3_test"]
