"""Forgets `extra="forbid"`: a misspelt or unknown field is silently ignored."""

EDITS = {
    "q1_answer": [
        (
            'model_config = ConfigDict(extra="forbid", strict=True)',
            "model_config = ConfigDict(strict=True)",
        ),
        ('model_config = ConfigDict(extra="forbid")\n\n    records:', "records:"),
        ('description="1 to 1000 hours.")', 'description="1 to 1000 hours.")\n'),
    ],
}
LOSES = ['q1_test']
