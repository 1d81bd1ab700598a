"""Logs the hash of the notebook's `reference` as `data_sha256`, whatever frame was passed in.

Every run of the lab happens to use `reference`, so the hashes look right; a run on other data
then claims to come from `reference`, which is what the hash is there to rule out.
"""

EDITS = {
    "q3_answer": [
        ("tracking.frame_sha256(frame)}", "tracking.frame_sha256(reference)}"),
    ],
}
LOSES = ["q3_test"]
