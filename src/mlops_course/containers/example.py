"""The small service sprint 02 containerises: a FastAPI app, its tests, its pinned
requirements, a model, and the clutter a real working copy has."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

_SERVICE_FILES = {
    "app/__init__.py": "",
    "app/main.py": '''\
"""A small rental-demand service: a health route and a prediction route."""

import os
from pathlib import Path

import pandas as pd
import skops.io as sio
from fastapi import FastAPI
from pydantic import BaseModel

MODEL_PATH = Path(os.environ.get("MODEL_PATH", Path(__file__).parents[1] / "model" / "model.skops"))
model = sio.load(MODEL_PATH, trusted=["numpy.dtype"])
app = FastAPI(title="bike-demand")


class Hour(BaseModel):
    hr: float
    workingday: float
    holiday: float = 0.0
    temp: float
    hum: float
    windspeed: float
    weekday: str
    weathersit: str | None = None


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok", "version": os.environ.get("APP_VERSION", "dev")}


@app.post("/predict")
def predict(hour: Hour) -> dict[str, float]:
    prediction = model.predict(pd.DataFrame([hour.model_dump()]))[0]
    return {"cnt": round(max(float(prediction), 0.0), 1)}
''',
    "tests/test_main.py": '''\
from fastapi.testclient import TestClient

from app.main import app


def test_health_answers_ok():
    assert TestClient(app).get("/health").json()["status"] == "ok"


def test_rush_hour_predicts_more_than_night():
    client = TestClient(app)
    hour = {"workingday": 1, "temp": 15, "hum": 60, "windspeed": 10, "weekday": "Tue"}
    rush = client.post("/predict", json={**hour, "hr": 8}).json()["cnt"]
    night = client.post("/predict", json={**hour, "hr": 3}).json()["cnt"]
    assert rush > night
''',
    "README.md": "# bike-demand service\n\nRun: `uvicorn app.main:app --port 8000`.\n",
    ".env": "# local settings; never commit, never ship\nAPI_TOKEN=dev-only-9f2c41\n",
    "notebooks/exploration.ipynb": json.dumps(
        {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    ),
    "app/__pycache__/main.cpython-311.pyc": "\0" * 4096,
    ".git/HEAD": "ref: refs/heads/main\n",
    ".git/config": "[core]\n\trepositoryformatversion = 0\n",
    "mlruns/0/meta.yaml": "name: Default\n",
}


def example_service(folder: str | Path) -> Path:
    """Write the small service sprint 02 containerises into `folder`; return the folder.

    It is a FastAPI app (`app/main.py`) with tests, a pinned `requirements.txt`, and the clutter a
    real working copy has: raw data, notebooks, a `.env` with a token, caches, a `.git` folder.
    Existing files are overwritten, other files are left alone.
    """
    root = Path(folder)
    for relative, content in _SERVICE_FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    runtime = ("fastapi", "uvicorn", "pandas", "scikit-learn", "skops")
    pins = [f"{name}=={metadata.version(name)}" for name in runtime]
    (root / "requirements.txt").write_text("\n".join(pins) + "\n", encoding="utf-8")
    dev = ("pytest", "httpx", "ruff")
    (root / "requirements-dev.txt").write_text(
        "-r requirements.txt\n" + "".join(f"{n}=={metadata.version(n)}\n" for n in dev),
        encoding="utf-8",
    )
    _write_model(root / "model" / "model.skops")
    # The raw data a data scientist keeps next to the code: useful locally, useless in the image.
    from mlops_course import datasets

    raw = root / "data" / "raw" / "hour.csv"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_bytes((datasets.card(datasets.BIKE_SHARING).folder / "hour.csv").read_bytes())
    return root


def _write_model(path: Path) -> None:
    """The service's model: the linear model of sprint 01, fit on the reference period."""
    import skops.io as sio
    from mlproject import data

    from mlops_course import comparisons, datasets

    reference = datasets.reference_period()
    model = comparisons.linear_model().fit(data.prepare_features(reference), data.target(reference))
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(model, path)
