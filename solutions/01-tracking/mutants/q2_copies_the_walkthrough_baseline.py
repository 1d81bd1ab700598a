"""Copies the baseline score from walkthrough 01a's card instead of measuring it here.

The card is valid, but 44.6 is the baseline's MAE on 01a's split (from 1 October); this
lab's holdout starts on 20 October and gives another number.
"""

EDITS = {
    "q2_answer": [
        (
            'baseline_mae = round(evaluate(HourlyBaseline(), reference)["mae"], 1)',
            'baseline_mae = 44.6',
        ),
    ],
}
LOSES = ['q2_test']
