"""Registers and aliases the notebook's `MODEL_NAME` instead of the `model_name` it is given.

The lab promotes under `MODEL_NAME`, so its own call works; a call for another model name
moves the notebook's champion instead.
"""

EDITS = {
    "q4_answer": [
        ("get_registered_model(model_name)", "get_registered_model(MODEL_NAME)"),
        ("create_registered_model(model_name)", "create_registered_model(MODEL_NAME)"),
        ("create_model_version(model_name,", "create_model_version(MODEL_NAME,"),
        ("set_registered_model_alias(model_name,", "set_registered_model_alias(MODEL_NAME,"),
    ],
}
LOSES = ["q4_test"]
