"""Compares with the global PSI_THRESHOLD inside the function, ignoring its `threshold` argument.

Right for cnt at the default, wrong as soon as a caller asks for another threshold.
"""

EDITS = {
    "q2_answer": [
        (
            '''\
# Your threshold for cnt, justified by its false alarms and its detections (see the tests):
PSI_THRESHOLD''',
            "PSI_THRESHOLD",
        ),
        (
            "(psi(before[column], window.data[column]) > threshold)",
            "(psi(before[column], window.data[column]) > PSI_THRESHOLD)",
        ),
    ],
}
LOSES = ["q2_test"]
