"""Imports pandas at the top of the answer cell and counts the rows it selects with `pd.isna`.

Imports in the answer cell, a selection instead of a sum: the tests must accept both.
"""

EDITS = {
    "q1_answer": [
        (
            "def missing_weather_hours(frame):",
            "import pandas as pd\n\n\ndef missing_weather_hours(frame):",
        ),
        ('int(frame["weathersit"].isna().sum())', 'len(frame[pd.isna(frame["weathersit"])])'),
    ],
}
