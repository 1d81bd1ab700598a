"""No criterion holds the MAE to the card's target: the
product goal is not on the board."""

EDITS = {
    "q5_answer": [
        (
            'MAE at most 40 bikes per hour on the Oct-Dec 2011 holdout',
            'the forecast is written before 18:00 every day',
        ),
    ],
}
LOSES = ["q5_test"]
