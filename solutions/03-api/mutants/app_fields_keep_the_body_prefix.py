"""Joins the whole error location, so fields read `body.hr` and `body.records.2.temp`."""

EDITS = {
    "q2_answer": [
        ('] if p != "body") or "body"', "])"),
        ('), "model_version": model.version}', '), "model_version": model.version}\n'),
    ],
}
LOSES = ['q2d_test']
