"""Takes 0.1, the textbook "moderate shift" value, without measuring what it costs.

On rentals per hour, 0.1 fires in four months of 2011 where nothing changed: four false alarms a
year, four times the budget.
"""

EDITS = {
    "q2_answer": [
        (
            '''\
# Your threshold for cnt, justified by its false alarms and its detections (see the tests):
PSI_THRESHOLD = 0.2''',
            "PSI_THRESHOLD = 0.1",
        ),
    ],
}
LOSES = ["q2_test"]
