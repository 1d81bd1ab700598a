"""Logs the hash of the holdout's features instead of the frame it was given.

`data_sha256` must identify the data passed in, so that runs on the same data can be found
and compared.
"""

REPLACEMENTS = {
    "q3_answer": '''EXPERIMENT = "bike-demand-lab"
candidates = {
    "baseline": modelling.baseline(),
    "ridge": modelling.linear_model(),
    "trees": modelling.boosted_trees(),
}


def log_candidate(name, model, frame):
    """Evaluate `model` and log it, its parameters and its holdout metrics as one MLflow run."""
    experiment = mlflow.get_experiment_by_name(EXPERIMENT)
    if experiment is None:
        mlflow.create_experiment(EXPERIMENT, artifact_location=(ARTIFACTS / EXPERIMENT).as_uri())
    mlflow.set_experiment(EXPERIMENT)
    last = model.steps[-1][1] if hasattr(model, "steps") else model
    with mlflow.start_run(run_name=name) as run:
        result = evaluate(model, frame)
        mlflow.log_params({"model_class": type(last).__name__, "holdout_fraction": 0.2,
                           "data_sha256": tracking.frame_sha256(modelling.features(frame))})
        mlflow.log_metrics({"mae": result["mae"], "rmse": result["rmse"]})
        X = modelling.features(frame)
        mlflow.sklearn.log_model(
            model, name="model", input_example=X.head(3),
            signature=mlflow.models.infer_signature(X, model.predict(X)),
            pip_requirements=tracking.pip_requirements("scikit-learn"),
            skops_trusted_types=modelling.TRUSTED_TYPES,
        )
    return run.info.run_id''',
}
LOSES = ['q3_test']
