"""Forgets `extra="forbid"`: a misspelt or unknown field is silently ignored."""

EDITS = {
    "q1_answer": [
        (
            '''class Hour(BaseModel):
    model_config = ConfigDict(extra="forbid")
''',
            "class Hour(BaseModel):",
        ),
        ('model_config = ConfigDict(extra="forbid")\n\n    records:', "records:"),
        ('description="1 to 100 hours.")', 'description="1 to 100 hours.")\n'),
    ],
}
LOSES = ['q1_test']
