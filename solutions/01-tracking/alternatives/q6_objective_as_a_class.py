"""The objective is a class: `__init__` prepares the rows once, Optuna calls the instance
with each trial (as `mlproject.tune.Objective` does)."""

EDITS = {
    "q6_answer": [
        (
            """    X_train, y_train = data.prepare_features(train), data.target(train)
    X_valid, y_valid = data.prepare_features(valid), data.target(valid)

    def objective(trial):
        params = {
            "learning_rate": trial.suggest_float("learning_rate", 0.03, 0.3, log=True),
            "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 7, 31),
        }
        with mlflow.start_run(run_name=f"trial-{trial.number}", nested=True):
            model = training.build_model(seed=0, max_iter=ROUNDS, **params)
            model.fit(X_train, y_train)
            mae = regression_metrics(y_valid, model.predict(X_valid))["mae"]
            mlflow.log_params(params)
            mlflow.log_metric("valid_mae", mae)
        return mae

    return objective""",
            """    return Objective(train, valid)


class Objective:
    \"\"\"One trial: suggest, fit, score on the validation rows, log a nested run.\"\"\"

    def __init__(self, train, valid):
        self.X_train, self.y_train = data.prepare_features(train), data.target(train)
        self.X_valid, self.y_valid = data.prepare_features(valid), data.target(valid)

    def __call__(self, trial):
        learning_rate = trial.suggest_float("learning_rate", 0.03, 0.3, log=True)
        max_leaf_nodes = trial.suggest_int("max_leaf_nodes", 7, 31)
        model = training.build_model(seed=0, max_iter=ROUNDS, learning_rate=learning_rate,
                                     max_leaf_nodes=max_leaf_nodes)
        model.fit(self.X_train, self.y_train)
        mae = regression_metrics(self.y_valid, model.predict(self.X_valid))["mae"]
        with mlflow.start_run(nested=True):
            mlflow.log_param("learning_rate", learning_rate)
            mlflow.log_param("max_leaf_nodes", max_leaf_nodes)
            mlflow.log_metric("valid_mae", mae)
        return mae""",
        ),
    ],
}
