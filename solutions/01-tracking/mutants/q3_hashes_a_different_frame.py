"""Logs the hash of the holdout's features instead of the frame it was given.

`data_sha256` must identify the data passed in, so that runs on the same data can be found
and compared.
"""

EDITS = {
    "q3_answer": [
        (
            '"data_sha256": tracking.frame_sha256(frame)}',
            '"data_sha256": tracking.frame_sha256(data.prepare_features(frame))}',
        ),
    ],
}
LOSES = ['q3_test']
