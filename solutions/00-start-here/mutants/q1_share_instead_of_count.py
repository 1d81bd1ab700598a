"""Returns the share of hours without a weather situation, not their number.

`isna().mean()` is a common way to measure missingness, but the question asks for a count.
"""

REPLACEMENTS = {
    "q1_answer": '''def missing_weather_hours(frame):
    """Number of rows of `frame` whose `weathersit` is missing."""
    return float(frame["weathersit"].isna().mean())''',
}
LOSES = ["q1_test"]
