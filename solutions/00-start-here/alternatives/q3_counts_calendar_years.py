"""Counts the hours of 2011 and of 2012 from the timestamps, without the datasets helpers.

The reference period is 2011 and production is 2012, so counting calendar years gives the same
sizes; the tests must check the sizes, not which function produced them.
"""

EDITS = {
    "q3_answer": [
        (
            """    reference = datasets.reference_period(frame)
    windows = datasets.production_windows(frame)
    return {"reference": len(reference), "production": sum(len(w) for w in windows)}""",
            """    year = frame["timestamp"].dt.year
    return {"reference": int((year == 2011).sum()), "production": int((year == 2012).sum())}""",
        ),
    ],
}
