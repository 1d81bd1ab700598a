"""Bounds the MAE from below ("above 30") instead of from above: the number is under the card's
target of 40, but the criterion is met by any model worse than 30, the baseline included."""

EDITS = {
    "q5_answer": [
        (
            'MAE at most 40 bikes per hour',
            'MAE above 30 bikes per hour',
        ),
    ],
}
LOSES = ["q5_test"]
