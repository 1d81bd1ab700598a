"""Holds the MAE to 45 bikes per hour, looser than
the card's target of 40 (and worse than the baseline's 44.6): the story could be accepted with
a model nobody needs."""

EDITS = {
    "q5_answer": [
        (
            'MAE at most 40 bikes per hour',
            'MAE at most 45 bikes per hour',
        ),
    ],
}
LOSES = ["q5_test"]
