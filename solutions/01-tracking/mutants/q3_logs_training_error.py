"""Logs the model's error on the rows it was trained on instead of the holdout's.

The run has every required field, so the visible test passes; the hidden test recomputes
the logged model's holdout MAE from the store and finds another number.
"""

EDITS = {
    "q3_answer": [
        (
            'mlflow.log_metrics({"mae": result["mae"], "rmse": result["rmse"]})',
            '''X_all = data.prepare_features(frame)
        train_scores = regression_metrics(frame["cnt"], model.predict(X_all))
        mlflow.log_metrics({"mae": train_scores["mae"], "rmse": train_scores["rmse"]})''',
        ),
    ],
}
LOSES = ['q3_test']
