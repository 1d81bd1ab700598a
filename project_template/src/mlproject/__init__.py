"""mlproject: hourly bike-rental demand, from data to a monitored API.

Modules follow the lifecycle: settings -> data -> train / evaluate -> registry -> export (ONNX)
-> api / serve -> pipeline -> monitor -> dashboard. `python -m mlproject --help` lists the
commands. Heavy libraries (MLflow, Evidently, KFP) are imported inside the functions that
need them, so `import mlproject` stays fast.
"""

__version__ = "0.1.0"
