"""Takes days 1 to 14 as the month's first half (`< 15`): day 15 lands in the wrong half."""

EDITS = {
    "q2_answer": [
        ('["timestamp"].dt.day <= 15]', '["timestamp"].dt.day < 15]'),
        ('["timestamp"].dt.day > 15]', '["timestamp"].dt.day >= 15]'),
    ],
}
LOSES = ["q2_test"]
