"""Predicts without checking that the model is loaded: 500 instead of 503 when it is missing."""

EDITS = {
    "q2_answer": [
        (
            '''def predict(hour: Hour):
    model = served_model()''',
            '''def predict(hour: Hour):
    model = state["model"]''',
        ),
        (
            '''def predict_batch(batch: Batch):
    model = served_model()''',
            '''def predict_batch(batch: Batch):
    model = state["model"]''',
        ),
        ('), "model_version": model.version}', '), "model_version": model.version}\n'),
    ],
}
LOSES = ['q2a_test']
