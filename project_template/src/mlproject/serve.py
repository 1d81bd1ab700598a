"""Serving: run the API under uvicorn with JSON logs.

`python -m mlproject serve --port 8000` is what `make serve` and the serving image run.
One worker process is the default: the model is small, and more replicas (containers) scale
better than more workers in one container, which would each load their own copy.
"""

from __future__ import annotations

import os


def run(
    host: str = "127.0.0.1", port: int = 8000, workers: int = 1, log_level: str = "INFO"
) -> None:
    """Start uvicorn on the app factory; blocks until the server stops (Ctrl-C or SIGTERM)."""
    import uvicorn

    from mlproject.observability import log_config

    # Fix OpenMP to the configured thread count before scikit-learn loads (see train.fit).
    os.environ.setdefault("OMP_NUM_THREADS", os.environ.get("MLPROJECT_THREADS", "1"))
    uvicorn.run(
        "mlproject.api:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(log_level),
        access_log=False,  # the app logs each request itself, with more fields
        timeout_graceful_shutdown=5,
    )
