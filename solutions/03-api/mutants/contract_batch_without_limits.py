"""Declares `records` as a plain list: an empty batch and a batch of thousands are accepted."""

EDITS = {
    "q1_answer": [
        ('] = Field(min_length=1, max_length=1000, description="1 to 1000 hours.")', "]\n"),
    ],
}
LOSES = ['q1_test', 'q2c_test']
