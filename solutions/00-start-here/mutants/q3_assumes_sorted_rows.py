"""Finds where 2012 starts with `searchsorted`, which assumes the rows are in time order.

Right on `bikes` and on its slices, which are sorted; wrong on a frame whose rows come in
another order, where the cut lands anywhere.
"""

EDITS = {
    "q3_answer": [
        (
            """    reference = datasets.reference_period(frame)
    windows = datasets.production_windows(frame)
    return {"reference": len(reference), "production": sum(len(w) for w in windows)}""",
            """    cut = int(frame["timestamp"].searchsorted(datasets.REFERENCE_END))
    return {"reference": cut, "production": len(frame) - cut}""",
        ),
    ],
}
LOSES = ["q3_test"]
