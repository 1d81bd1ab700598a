"""Uses actions/checkout@main: the workflow changes whenever the action's main branch does.
"""

EDITS = {
    "q3_answer": [
        (
            '''steps:
      - uses: actions/checkout@v4
      - run: docker build -t bike-demand:${{ github.sha }} .''',
            '''steps:
      - uses: actions/checkout@main
      - run: docker build -t bike-demand:${{ github.sha }} .''',
        ),
    ],
}
LOSES = ['q3_test']
