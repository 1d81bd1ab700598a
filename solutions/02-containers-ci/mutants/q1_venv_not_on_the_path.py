"""Copies the venv into the final stage but never puts its bin folder on the PATH.

hadolint and the policy are happy, and every line looks right; the container then stops at
once: `uvicorn` is not found, because /opt/venv/bin is not searched.
"""

EDITS = {
    "q1_answer": [("ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1", "ENV PYTHONUNBUFFERED=1")],
}
LOSES = ["q1_test"]
