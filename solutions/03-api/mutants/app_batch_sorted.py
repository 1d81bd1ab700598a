"""Sorts the batch's predictions, which loses the link between a prediction and its hour."""

EDITS = {
    "q2_answer": [
        (
            "model.predict([record.model_dump() for record in batch.records]",
            "sorted(model.predict([record.model_dump() for record in batch.records])",
        ),
        ('), "model_version": model.info.version}', '), "model_version": model.info.version}\n'),
    ],
}
LOSES = ['q2c_test']
