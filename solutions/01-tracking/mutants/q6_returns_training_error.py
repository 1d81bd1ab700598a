"""Returns (and logs) the MAE on the rows the model was fitted on, not on the validation rows.

Every number looks like an MAE in bikes per hour, so the visible test passes; the hidden test
refits each trial's settings and finds its validation error is another number.
"""

EDITS = {
    "q6_answer": [
        (
            'mae = regression_metrics(y_valid, model.predict(X_valid))["mae"]',
            'mae = regression_metrics(y_train, model.predict(X_train))["mae"]',
        ),
    ],
}
LOSES = ["q6_test"]
