"""Holds out a random 20 % of the hours instead of the last 20 % in time.

The classic leak: the model trains on hours that come after the ones it is scored on, so the
score flatters it. Row counts and the plausible range pass; the exact MAE and the spy that checks
which rows were held out do not.
"""

EDITS = {
    "q1_answer": [
        (
            'ordered = frame.sort_values("timestamp", kind="stable")',
            'ordered = frame.sample(frac=1.0, random_state=0)',
        ),
    ],
}
LOSES = ['q1_test']
