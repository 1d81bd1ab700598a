"""The MLOps course package: datasets, notebook harness, servers, grading engine and CLI."""

__version__ = "0.1.0"
