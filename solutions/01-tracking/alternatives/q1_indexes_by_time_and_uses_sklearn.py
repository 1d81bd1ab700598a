"""Imports scikit-learn's metrics at the top of the cell, orders the rows through a time index,
splits with head and tail, and computes MAE and RMSE with scikit-learn.

Every step is another spelling of the solution's: the tests must check the split and the scores.
"""

EDITS = {
    "q1_answer": [
        (
            "def evaluate(model, frame, holdout_fraction=0.2):",
            "from sklearn.metrics import mean_absolute_error, root_mean_squared_error\n\n\n"
            "def evaluate(model, frame, holdout_fraction=0.2):",
        ),
        (
            'ordered = frame.sort_values("timestamp", kind="stable")',
            'ordered = frame.set_index("timestamp").sort_index().reset_index()',
        ),
        (
            "train, holdout = ordered.iloc[:-n_holdout], ordered.iloc[-n_holdout:]",
            "train = ordered.head(len(ordered) - n_holdout)\n    holdout = ordered.tail(n_holdout)",
        ),
        (
            """    scores = regression_metrics(data.target(holdout), predictions)
    return {"mae": scores["mae"], "rmse": scores["rmse"],""",
            """    truth = holdout["cnt"]
    return {"mae": float(mean_absolute_error(truth, predictions)),
            "rmse": float(root_mean_squared_error(truth, predictions)),""",
        ),
    ],
}
