"""Logs each trial as a run of its own and opens no run for the whole search.

The trials' runs hold the right numbers, but nothing ties them to one search: the UI and a
query by parent cannot show the search as one unit.
"""

EDITS = {
    "q6_answer": [
        ('with mlflow.start_run(run_name=f"trial-{trial.number}", nested=True):',
         'with mlflow.start_run(run_name=f"trial-{trial.number}"):'),
        (
            """    with mlflow.start_run(run_name="search"):
        study.optimize(make_objective(train, valid), n_trials=n_trials)""",
            """    study.optimize(make_objective(train, valid), n_trials=n_trials)""",
        ),
    ],
}
LOSES = ["q6_test"]
