"""A criterion nobody can measure: the dashboard "works well".

Two people can argue about "well" forever; a criterion names a quantity with a threshold or a
behaviour a test can observe.
"""

EDITS = {
    "q5_answer": [
        (
            'the dashboard shows the forecast and the observed rentals of each hour of today',
            'the dashboard works well for the dispatch team',
        ),
    ],
}
LOSES = ["q5_test"]
