"""Reports the root mean squared error under the name `mae`.

RMSE weighs large misses more and is always at least the MAE; the hidden test compares the
value with the holdout's real mean absolute error.
"""

REPLACEMENTS = {
    "q1_answer": '''def evaluate(model, frame, holdout_fraction=0.2):
    """Fit `model` on the earliest rows of `frame`, score it on the last ones (time order)."""
    ordered = frame.sort_values("timestamp")
    n_holdout = int(len(ordered) * holdout_fraction)
    train, holdout = ordered.iloc[:-n_holdout], ordered.iloc[-n_holdout:]
    model.fit(modelling.features(train), train[modelling.TARGET])
    scores = modelling.scores(holdout[modelling.TARGET], model.predict(modelling.features(holdout)))
    return {"mae": scores["rmse"], "rmse": scores["rmse"],
            "n_train": len(train), "n_holdout": len(holdout)}''',
}
LOSES = ["q1_test"]
