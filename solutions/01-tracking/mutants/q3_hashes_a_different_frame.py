"""Logs the hash of the holdout's features instead of the frame it was given.

`data_sha256` must identify the data passed in, so that runs on the same data can be found
and compared.
"""

EDITS = {"q3_answer": [("frame_sha256(frame)", "frame_sha256(modelling.features(frame))")]}
LOSES = ['q3_test']
