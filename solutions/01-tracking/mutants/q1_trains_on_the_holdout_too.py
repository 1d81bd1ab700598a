"""Fits the model on every row, holdout included, then scores it on the holdout.

The counts it reports are right, but the model has seen the answers: its MAE is too good, and
the spy sees it fitted on all rows.
"""

REPLACEMENTS = {
    "q1_answer": '''def evaluate(model, frame, holdout_fraction=0.2):
    """Fit `model` on the earliest rows of `frame`, score it on the last ones (time order)."""
    ordered = frame.sort_values("timestamp")
    n_holdout = int(len(ordered) * holdout_fraction)
    holdout = ordered.iloc[-n_holdout:]
    model.fit(modelling.features(ordered), ordered[modelling.TARGET])
    scores = modelling.scores(holdout[modelling.TARGET], model.predict(modelling.features(holdout)))
    return {"mae": scores["mae"], "rmse": scores["rmse"],
            "n_train": len(ordered) - n_holdout, "n_holdout": n_holdout}''',
}
LOSES = ["q1_test"]
