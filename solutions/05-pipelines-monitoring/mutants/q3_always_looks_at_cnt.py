"""Runs the preset on `cnt`, the column of the visible tests, whatever `columns` asks for."""

EDITS = {
    "q3_answer": [
        ("def first_drifted_window", "\ndef first_drifted_window"),
        ("DataDriftPreset(columns=columns,", 'DataDriftPreset(columns=["cnt"],'),
    ],
}
LOSES = ["q3_test_synthetic"]
