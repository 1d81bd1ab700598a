"""Imports what it uses at the top of the cell, starts the run by experiment id (no
`set_experiment`), takes a pipeline's last step with `model[-1]`, logs one parameter at a time
and gives five rows as the input example.

All of it records the same run; the tests must read the run, not the calls that made it.
"""

EDITS = {
    "q3_answer": [
        (
            'EXPERIMENT = "bike-demand-lab"',
            "from mlflow.models import infer_signature\n"
            "from sklearn.pipeline import Pipeline\n\n"
            'EXPERIMENT = "bike-demand-lab"',
        ),
        (
            """    if experiment is None:
        mlflow.create_experiment(EXPERIMENT, artifact_location="""
            """(ARTIFACTS / EXPERIMENT).as_uri())
    mlflow.set_experiment(EXPERIMENT)
    last = model.steps[-1][1] if hasattr(model, "steps") else model
    with mlflow.start_run(run_name=name) as run:""",
            """    if experiment is None:
        experiment_id = mlflow.create_experiment(
            EXPERIMENT, artifact_location=(ARTIFACTS / EXPERIMENT).as_uri())
    else:
        experiment_id = experiment.experiment_id
    last = model[-1] if isinstance(model, Pipeline) else model
    with mlflow.start_run(experiment_id=experiment_id, run_name=name) as run:""",
        ),
        (
            '        mlflow.log_params({"model_class": type(last).__name__, '
            '"holdout_fraction": 0.2,\n                           '
            '"data_sha256": tracking.frame_sha256(frame)})',
            """        mlflow.log_param("model_class", last.__class__.__name__)
        mlflow.log_param("holdout_fraction", "0.2")
        mlflow.log_param("data_sha256", tracking.frame_sha256(frame))""",
        ),
        (
            """model, name="model", input_example=X.head(3),
            signature=mlflow.models.infer_signature(X, model.predict(X)),""",
            """model, name="model", input_example=X.iloc[:5],
            signature=infer_signature(X.iloc[:5], model.predict(X.iloc[:5])),""",
        ),
    ],
}
