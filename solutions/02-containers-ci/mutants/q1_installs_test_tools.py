"""Installs requirements-dev.txt, so pytest, httpx and ruff ship in the production image.

Lint and policy pass; the hidden test reads the RUN lines.
"""

EDITS = {
    "q1_answer": [
        ("requirements.txt .", "requirements.txt requirements-dev.txt ./"),
        ("r requirements.", "r requirements-dev."),
    ],
}
LOSES = ['q1_test']
