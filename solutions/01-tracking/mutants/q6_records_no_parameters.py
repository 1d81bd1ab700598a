"""Logs the validation MAE of each trial but not the settings it tried.

A run that does not say what it tried cannot be reproduced or compared.
"""

EDITS = {
    "q6_answer": [("            mlflow.log_params(params)\n", "")],
}
LOSES = ["q6_test"]
