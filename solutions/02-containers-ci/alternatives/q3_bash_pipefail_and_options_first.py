"""Keeps a log of the tests with `tee` under `shell: bash` (which adds pipefail, so a failing
test still fails the step), and writes `docker build .` with the context before the options.

Both are correct: the tests must run the workflow, not look for one spelling.
"""

EDITS = {
    "q3_answer": [
        (
            "      - run: pytest -q\n",
            "      - run: pytest -q | tee pytest.log\n        shell: bash\n",
        ),
        (
            "docker build -t bike-demand:${{ github.sha }} .",
            "docker build . --tag bike-demand:${{ github.sha }}",
        ),
    ],
}
