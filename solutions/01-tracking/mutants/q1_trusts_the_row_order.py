"""Takes the last rows as they come, without sorting by `timestamp` first.

Right on the reference period, which happens to be sorted; wrong on any frame that is not, such
as the shuffled frame the hidden test passes.
"""

REPLACEMENTS = {
    "q1_answer": '''def evaluate(model, frame, holdout_fraction=0.2):
    """Fit `model` on the earliest rows of `frame`, score it on the last ones (time order)."""
    n_holdout = int(len(frame) * holdout_fraction)
    train, holdout = frame.iloc[:-n_holdout], frame.iloc[-n_holdout:]
    model.fit(modelling.features(train), train[modelling.TARGET])
    scores = modelling.scores(holdout[modelling.TARGET], model.predict(modelling.features(holdout)))
    return {"mae": scores["mae"], "rmse": scores["rmse"],
            "n_train": len(train), "n_holdout": len(holdout)}''',
}
LOSES = ["q1_test"]
