"""Logs the model without a signature or an input example.

The model loads, but a service cannot check its inputs, and nobody knows what to send it.
"""

EDITS = {
    "q3_answer": [
        (
            """model, name="model", input_example=X.head(3),
            signature=mlflow.models.infer_signature(X, model.predict(X)),
""",
            """model, name="model",
""",
        ),
    ],
}
LOSES = ['q3_test']
