"""Picks the lowest `mae` with pandas from every run of the experiment, and registers the run's
model with `mlflow.register_model` (which creates the registered model when it does not exist
yet) before setting the alias with the client.

`search_runs` returns a DataFrame: dropping runs without `mae` and taking `idxmin` finds the
same run as ordering inside the query. `register_model` is the shortest way to register; MLflow
logs information lines while it does, which must not cost the student the points.
"""

EDITS = {
    "q4_answer": [
        (
            """    runs = mlflow.search_runs(
        experiment_names=[experiment_name], filter_string="metrics.mae >= 0",
        order_by=["metrics.mae ASC"], max_results=1,
    )
    return runs.iloc[0]["run_id"]""",
            """    runs = mlflow.search_runs(experiment_names=[experiment_name])
    scored = runs.dropna(subset=["metrics.mae"])
    return scored.loc[scored["metrics.mae"].idxmin(), "run_id"]""",
        ),
        (
            """    client = mlflow.MlflowClient()
    try:
        client.get_registered_model(model_name)
    except mlflow.exceptions.MlflowException:
        client.create_registered_model(model_name)
    version = client.create_model_version(model_name, tracking.model_uri(run_id), run_id=run_id)
    client.set_registered_model_alias(model_name, "champion", version.version)""",
            """    version = mlflow.register_model(tracking.model_uri(run_id), model_name)
    mlflow.MlflowClient().set_registered_model_alias(model_name, "champion", version.version)""",
        ),
    ],
}
