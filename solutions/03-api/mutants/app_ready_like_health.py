"""Answers /ready like /health, whether or not a model is loaded."""

EDITS = {
    "q2_answer": [
        (
            'return {"status": "ready", "model_version": served_model().info.version}',
            '''model = state["model"]
    return {"status": "ready", "model_version": model.info.version if model else None}''',
        ),
        ('), "model_version": model.info.version}', '), "model_version": model.info.version}\n'),
    ],
}
LOSES = ['q2a_test']
