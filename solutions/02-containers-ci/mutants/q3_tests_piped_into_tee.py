"""Keeps a log with `pytest -q | tee pytest.log`.

A runner's default shell is `bash -e` without pipefail: a pipeline's status is tee's, which
succeeds, so failing tests no longer fail the job (`shell: bash` would add pipefail).
"""

EDITS = {"q3_answer": [("      - run: pytest -q\n", "      - run: pytest -q | tee pytest.log\n")]}
LOSES = ["q3_test"]
