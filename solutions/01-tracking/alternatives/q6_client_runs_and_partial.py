"""A plain function of (trial, train, valid) bound with `functools.partial`; the rows sorted in
time first; the trial runs made with `MlflowClient` and the parent tag set by hand; the sampler
built before the study and the direction given as an enum."""

EDITS = {
    "q6_answer": [
        (
            "def make_objective(train, valid):",
            """import functools

from sklearn.metrics import mean_absolute_error


def objective(trial, train, valid):
    \"\"\"Fit the trial's settings on train, score them on valid, record a child run.\"\"\"
    train = train.sort_values("timestamp")
    settings = {"learning_rate": trial.suggest_float("learning_rate", 0.03, 0.3, log=True),
                "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 7, 31)}
    model = training.build_model(seed=0, max_iter=ROUNDS, **settings)
    model.fit(data.prepare_features(train), data.target(train))
    mae = float(mean_absolute_error(data.target(valid),
                                    model.predict(data.prepare_features(valid))))
    parent = mlflow.active_run()
    client = mlflow.MlflowClient()
    child = client.create_run(parent.info.experiment_id,
                              tags={"mlflow.parentRunId": parent.info.run_id},
                              run_name=f"trial {trial.number}")
    for key, value in settings.items():
        client.log_param(child.info.run_id, key, value)
    client.log_metric(child.info.run_id, "valid_mae", mae)
    client.set_terminated(child.info.run_id)
    return mae


def make_objective(train, valid):""",
        ),
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
            "    return functools.partial(objective, train=train, valid=valid)",
        ),
        (
            """    study = optuna.create_study(direction="minimize",
                                sampler=optuna.samplers.TPESampler(seed=0))
    with mlflow.start_run(run_name="search"):""",
            """    sampler = optuna.samplers.TPESampler(seed=0)
    study = optuna.create_study(sampler=sampler, direction=optuna.study.StudyDirection.MINIMIZE)
    with mlflow.start_run(run_name="optuna search"):""",
        ),
    ],
}
