"""Sets up Python without pip's cache in the test job: every run downloads everything again.
"""

EDITS = {
    "q3_answer": [
        (
            '''          python-version: "3.11"
          cache: pip
          cache-dependency-path: requirements-dev.txt
      - run: pip install -r requirements-dev.txt
''',
            '''          python-version: "3.11"
      - run: pip install -r requirements-dev.txt
''',
        ),
    ],
}
LOSES = ['q3_test']
