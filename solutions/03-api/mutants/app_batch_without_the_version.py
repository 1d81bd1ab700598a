"""Leaves `model_version` out of batch answers."""

EDITS = {"q2_answer": [('), "model_version": model.version}', ")}\n")]}
LOSES = ['q2c_test']
