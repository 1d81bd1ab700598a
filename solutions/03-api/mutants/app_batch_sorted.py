"""Sorts the batch's predictions, which loses the link between a prediction and its hour."""

EDITS = {
    "q2_answer": [
        (
            "rentals = predict_records(model.model, [record",
            "rentals = sorted(predict_records(model.model, [record",
        ),
        ("for record in batch.records])", "for record in batch.records]))"),
        ('), "model_version": model.version}', '), "model_version": model.version}\n'),
    ],
}
LOSES = ['q2c_test']
