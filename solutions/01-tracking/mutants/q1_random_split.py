"""Holds out a random 20 % of the hours instead of the last 20 % in time.

The classic leak: the model trains on hours that come after the ones it is scored on, so the
score flatters it. Row counts and the plausible range pass; the exact MAE and the spy that checks
which rows were held out do not.
"""

REPLACEMENTS = {
    "q1_answer": '''def evaluate(model, frame, holdout_fraction=0.2):
    """Fit `model` on the earliest rows of `frame`, score it on the last ones (time order)."""
    shuffled = frame.sample(frac=1.0, random_state=0)
    n_holdout = int(len(shuffled) * holdout_fraction)
    train, holdout = shuffled.iloc[:-n_holdout], shuffled.iloc[-n_holdout:]
    model.fit(modelling.features(train), train[modelling.TARGET])
    scores = modelling.scores(holdout[modelling.TARGET], model.predict(modelling.features(holdout)))
    return {"mae": scores["mae"], "rmse": scores["rmse"],
            "n_train": len(train), "n_holdout": len(holdout)}''',
}
LOSES = ["q1_test"]
