"""Checks health with `curl`, which the slim base image does not have.

hadolint and the policy accept it; on a real engine the check fails every time, so the
container is never healthy and an orchestrator keeps restarting it.
"""

EDITS = {
    "q1_answer": [
        (
            """    CMD ["python", "-c", "import urllib.request as u; """
            """u.urlopen('http://127.0.0.1:8000/health')"]""",
            """    CMD ["curl", "--fail", "http://127.0.0.1:8000/health"]""",
        ),
    ],
}
LOSES = ["q1_test"]
