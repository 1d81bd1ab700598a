"""Leaves `model_version` out of batch answers."""

EDITS = {"q2_answer": [('), "model_version": model.info.version}', ")}\n")]}
LOSES = ['q2c_test']
