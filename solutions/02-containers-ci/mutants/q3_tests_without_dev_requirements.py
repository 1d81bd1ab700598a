"""Installs only requirements.txt in the test job, where pytest and httpx are not listed.

The structure is fine; on a real runner `pytest` would not even be found.
"""

EDITS = {
    "q3_answer": [
        (
            "      - run: pip install -r requirements-dev.txt\n",
            "      - run: pip install -r requirements.txt\n",
        ),
    ],
}
LOSES = ['q3_test']
