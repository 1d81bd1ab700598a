"""Answers /ready like /health, whether or not a model is loaded."""

EDITS = {
    "q2_answer": [
        (
            '''    model = served_model()
    return {"status": "ready", "model_name": model.name, "model_version": model.version}''',
            '''    model = state["model"]
    return {"status": "ready", "model_name": model.name if model else None,
            "model_version": model.version if model else None}''',
        ),
        ('), "model_version": model.version}', '), "model_version": model.version}\n'),
    ],
}
LOSES = ['q2a_test']
