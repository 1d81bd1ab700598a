"""Returns the most recent run instead of the best one (no ordering by `mae`).

MLflow lists the newest runs first; on this lab's store that is not the lowest MAE.
"""

REPLACEMENTS = {
    "q4_answer": '''MODEL_NAME = "bike-demand-lab"


def best_run_id(experiment_name):
    """The id of the run with the lowest `mae` in the experiment."""
    runs = mlflow.search_runs(
        experiment_names=[experiment_name], max_results=1,
    )
    return runs.iloc[0]["run_id"]


def promote(run_id, model_name):
    """Register the run's model as a new version of `model_name` and make it the champion."""
    client = mlflow.MlflowClient()
    try:
        client.get_registered_model(model_name)
    except mlflow.exceptions.MlflowException:
        client.create_registered_model(model_name)
    version = client.create_model_version(model_name, tracking.model_uri(run_id), run_id=run_id)
    client.set_registered_model_alias(model_name, "champion", version.version)
    return str(version.version)


champion_version = promote(best_run_id(EXPERIMENT), MODEL_NAME)
champion_version''',
}
LOSES = ['q4_test']
