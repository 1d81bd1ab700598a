"""Sets the alias `Champion` instead of `champion`.

Aliases are case-sensitive names; a service that loads `@champion` finds nothing.
"""

REPLACEMENTS = {
    "q4_answer": '''MODEL_NAME = "bike-demand-lab"


def best_run_id(experiment_name):
    """The id of the run with the lowest `mae` in the experiment."""
    runs = mlflow.search_runs(
        experiment_names=[experiment_name], filter_string="metrics.mae >= 0",
        order_by=["metrics.mae ASC"], max_results=1,
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
    client.set_registered_model_alias(model_name, "Champion", version.version)
    return str(version.version)


champion_version = promote(best_run_id(EXPERIMENT), MODEL_NAME)
champion_version''',
}
LOSES = ['q4_test']
