"""Starts uvicorn with the shell form of CMD.

/bin/sh becomes process 1 and does not pass SIGTERM on: hadolint (DL3025) and the policy
both refuse it.
"""

EDITS = {
    "q1_answer": [
        (
            '["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]',
            "uvicorn app.main:app --host 0.0.0.0 --port 8000",
        ),
    ],
}
LOSES = ['q1_test']
