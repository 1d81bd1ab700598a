"""Shared fixtures: a private workspace, a trained champion, started servers that always stop.

Every test session works in a temporary folder (its own MLflow store, reports and pipeline
outputs, set through the same environment variables a deployment uses), so running the tests
never touches the project's own `mlflow.db` or `reports/`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from helpers import API_KEY, Server, free_port


@pytest.fixture(scope="session", autouse=True)
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private MLflow store, reports folder and pipeline root for the whole session."""
    folder = tmp_path_factory.mktemp("workspace")
    env = {
        "MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'mlflow.db'}",
        "MLPROJECT_REPORTS_DIR": str(folder / "reports"),
        "MLPROJECT_PREDICTIONS_LOG": str(folder / "reports" / "predictions.jsonl"),
        "MLPROJECT_PIPELINE_ROOT": str(folder / "local_outputs"),
        "MLPROJECT_FAST": "1",
        "MLPROJECT_THREADS": "1",
        "OMP_NUM_THREADS": "1",
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        patch.delenv("MLPROJECT_API_KEY", raising=False)
        patch.delenv("MLPROJECT_MODEL_NAME", raising=False)
        yield folder


@pytest.fixture(scope="session")
def frame() -> pd.DataFrame:
    """The real data file, checksum-verified and validated."""
    from mlproject import data

    return data.validate(data.load())


@pytest.fixture(scope="session")
def trained(workspace: Path):
    """One FAST training run, registered as the session's champion."""
    from mlproject import train

    result = train.train(fast=True)
    assert result.decision is not None and result.decision.promote, result.decision
    return result


@pytest.fixture(scope="session")
def champion(trained):
    """The champion loaded back from the registry by its alias."""
    from mlproject import registry

    return registry.load()


@pytest.fixture(scope="session")
def api_server(trained) -> Iterator[Server]:
    """The API under uvicorn on a free port, with an API key, serving the champion."""
    port = free_port()
    command = [sys.executable, "-m", "mlproject", "serve", "--port", str(port)]
    with Server(command, port, "/ready", env={"MLPROJECT_API_KEY": API_KEY}) as server:
        yield server


@pytest.fixture
def client(api_server: Server) -> Iterator[httpx.Client]:
    """An HTTP client for the API that sends the right key."""
    with httpx.Client(base_url=api_server.url, headers={"X-API-Key": API_KEY}, timeout=30) as c:
        yield c


@pytest.fixture(scope="session")
def monitored(trained, frame: pd.DataFrame) -> dict:
    """One production window (June 2012) monitored with Evidently."""
    from mlproject import monitor

    return monitor.monitor_window("2012-06", frame=frame)
