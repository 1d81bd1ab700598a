"""Serving in the course: mlproject's API, started for real, on the course's model store.

The contract (`mlproject.schemas`), the app (`mlproject.api.create_app`), the request log
(`mlproject.api.PredictionLog`) and the metrics (`mlproject.observability.ApiMetrics`) are the
template's: the code students fork. This module only adapts them to the course:

    champion, trained_here = ensure_champion(fast=FAST)   # sprint 01's, or one trained here
    with serve(api_key="k", request_log=path) as api:     # uvicorn on a free port, always stopped
        httpx.post(api.url + "/v1/predict", json=schemas.EXAMPLE_RECORD, headers=...)

- `project_settings` points mlproject's settings at the course's MLflow store (sprint 01's
  `bike-demand` model) and writes logs under the workspace, never into `project_template/`;
- `serve` runs `mlproject.api.create_app` under uvicorn in a `BackgroundServer`;
- a *bundle* is a folder with a model file and `model.json` (name, version, kind): a model
  served without a registry (the sprint 03 lab's small baseline; sprint 04's ONNX export).
  `bundle_loader(folder)` is an `mlproject.api.Loader`, so the same app serves it;
- `example_hours` turns rows of the data into request bodies.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_course import settings as course_settings
from mlops_course.servers import BackgroundServer, python_command

if TYPE_CHECKING:  # heavy imports, only for type checkers
    import pandas as pd
    from fastapi import FastAPI
    from mlproject import registry
    from mlproject import settings as cfg

MODEL_NAME = "bike-demand"  # sprint 01 registers the champion under this name
EXPERIMENT = "bike-demand"
CHAMPION = "champion"

BUNDLE_ENV = "MLOPS_SERVING_BUNDLE"  # how `serve` tells the uvicorn factory to load a bundle
META = "model.json"
SKOPS_FILE = "model.skops"
ONNX_FILE = "model.onnx"


class ServingError(RuntimeError):
    """A bundle or a server is not what serving expects (the message says what to do)."""


# --- mlproject's settings, on the course's store -------------------------------------------


def project_settings(
    *,
    api_key: str | None = None,
    request_log: str | Path | None = None,
    store: Any = None,
) -> cfg.Settings:
    """mlproject's settings for the course: its MLflow store, its model name, its workspace.

    The request log defaults to `workspace/sprint03/predictions.jsonl`; one thread, as on a
    small shared machine one-row predictions gain nothing from more.
    """
    from mlproject import settings as cfg

    from mlops_course import tracking

    store = store or tracking.local_store(activate=False)
    reports = course_settings.workspace("sprint03")
    return dataclasses.replace(
        cfg.get_settings(),
        tracking_uri=store.uri,
        artifact_location=store.artifact_location(EXPERIMENT),
        experiment=EXPERIMENT,
        model_name=MODEL_NAME,
        model_alias=CHAMPION,
        reports_dir=reports,
        predictions_log=Path(request_log) if request_log else reports / "predictions.jsonl",
        api_key=api_key,
        threads=1,
    )


def settings_env(settings: cfg.Settings) -> dict[str, str]:
    """The environment variables that make `mlproject.settings.get_settings()` return these."""
    return {
        "MLFLOW_TRACKING_URI": settings.tracking_uri,
        "MLPROJECT_EXPERIMENT": settings.experiment,
        "MLPROJECT_MODEL_NAME": settings.model_name,
        "MLPROJECT_MODEL_ALIAS": settings.model_alias,
        "MLPROJECT_REPORTS_DIR": str(settings.reports_dir),
        "MLPROJECT_PREDICTIONS_LOG": str(Path(settings.predictions_log).resolve()),
        "MLPROJECT_API_KEY": settings.api_key or "",
        "MLPROJECT_THREADS": str(settings.threads),
        "OMP_NUM_THREADS": str(settings.threads),
    }


def ensure_champion(*, store: Any = None) -> tuple[registry.LoadedModel, bool]:
    """`models:/bike-demand@champion` from the course's store, and whether it was trained here.

    When the store has no champion yet (sprint 01 skipped, or a fresh CI machine), mlproject's
    own training loop (`mlproject.train.train`: fit, track, gate, register) makes one first,
    at the template's fast size: it beats the baseline at the gate like the full model (by
    about 0.7 bikes an hour on the October-December holdout) and trains in a third of the time.
    """
    from mlproject import registry, train

    settings = project_settings(store=store)
    client = registry.configure(settings)
    trained_here = registry.champion_version(settings.model_name, CHAMPION, client) is None
    if trained_here:
        train.train(fast=True, settings=settings)
    return registry.load(settings), trained_here


# --- bundles: a model served without a registry ---------------------------------------------


def save_bundle(
    folder: str | Path, model: Any, *, name: str, version: str, onnx_bytes: bytes | None = None
) -> Path:
    """Write a deployable bundle: the model file and `model.json`; return the folder.

    With `onnx_bytes` the bundle holds the ONNX export (kind `onnx`), else the scikit-learn
    model serialised with skops, which refuses to load types nobody trusted (unlike pickle).
    """
    from mlproject import registry

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (SKOPS_FILE, ONNX_FILE):
        (folder / stale).unlink(missing_ok=True)
    if onnx_bytes is not None:
        (folder / ONNX_FILE).write_bytes(onnx_bytes)
        kind = "onnx"
    else:
        import skops.io

        data = skops.io.dumps(model)
        untrusted = set(skops.io.get_untrusted_types(data=data)) - set(registry.SKOPS_TRUSTED_TYPES)
        if untrusted:
            raise ServingError(
                f"The model holds types that no one listed as trusted: {sorted(untrusted)}. "
                "Add them to mlproject.registry.SKOPS_TRUSTED_TYPES if you wrote them."
            )
        (folder / SKOPS_FILE).write_bytes(data)
        kind = "sklearn"
    meta = {
        "name": name, "version": str(version), "kind": kind,
        "saved": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (folder / META).write_text(json.dumps(meta, indent=2) + "\n")
    return folder


def bundle_meta(folder: str | Path) -> dict[str, str]:
    """What a bundle holds, read from its `model.json` (the model itself is not loaded)."""
    path = Path(folder) / META
    if not path.is_file():
        raise ServingError(
            f"{path} does not exist: {folder} is not a model bundle. Create one with "
            "`serving.save_bundle(folder, model, name=..., version=...)`."
        )
    return json.loads(path.read_text())


def load_bundle(folder: str | Path) -> registry.LoadedModel:
    """A bundle's model as mlproject's `LoadedModel` (alias `bundle`: no registry involved)."""
    from mlproject import registry

    folder = Path(folder)
    meta = bundle_meta(folder)
    if meta["kind"] == "onnx":  # mlproject.export.OnnxModel has scikit-learn's predict(features)
        from mlproject import export

        model: Any = export.OnnxModel((folder / ONNX_FILE).read_bytes())
    else:
        import skops.io

        model = skops.io.load(folder / SKOPS_FILE, trusted=registry.SKOPS_TRUSTED_TYPES)
    return registry.LoadedModel(model, meta["name"], str(meta["version"]), "bundle", None)


def bundle_loader(folder: str | Path) -> Callable[[cfg.Settings], registry.LoadedModel]:
    """An `mlproject.api.Loader` that serves the bundle in `folder` (settings are not needed)."""
    folder = Path(folder).resolve()
    return lambda settings: load_bundle(folder)


def lab_bundle(folder: str | Path, version: str = "baseline-2011") -> Path:
    """The sprint 03 lab's model: mlproject's hourly baseline fitted on 2011, as a bundle.

    A table lookup, so a service that serves it is ready in a second or two; the lab's subject
    is the API, not the model.
    """
    from mlproject import data, evaluate

    model = evaluate.HourlyBaseline().fit(data.reference(data.load()))
    return save_bundle(folder, model, name=f"{MODEL_NAME}-baseline", version=version)


# --- the app under uvicorn ------------------------------------------------------------------


def app_from_env() -> FastAPI:
    """The uvicorn factory: mlproject's app, serving a bundle when `MLOPS_SERVING_BUNDLE` names
    one, else the registry's champion; everything else comes from `MLPROJECT_*` variables.
    """
    from mlproject import api
    from mlproject import settings as cfg

    bundle = os.environ.get(BUNDLE_ENV)
    return api.create_app(cfg.get_settings(), loader=bundle_loader(bundle) if bundle else None)


def uvicorn_command(app: str, *, factory: bool = False, host: str = "127.0.0.1") -> list[str]:
    """`python -m uvicorn <app>` on `{port}`, quiet, one worker: for `BackgroundServer`."""
    command = python_command(
        "uvicorn", app, "--host", host, "--port", "{port}", "--log-level", "warning",
        "--no-access-log",
    )
    return command + (["--factory"] if factory else [])


def serve(
    bundle: str | Path | None = None,
    *,
    api_key: str | None = None,
    request_log: str | Path | None = None,
    port: int | None = None,
    ready_path: str = "/ready",
    ready_timeout: float = 120.0,
) -> BackgroundServer:
    """mlproject's API under uvicorn on a free port, as a context manager (always stopped).

    Without `bundle` it serves `models:/bike-demand@champion` from the course's store, as the
    template does from its own. `ready_path="/ready"` waits until the model is loaded;
    `"/health"` returns as soon as the process answers (to watch readiness change).
    """
    env = settings_env(project_settings(api_key=api_key, request_log=request_log))
    if bundle is not None:
        bundle_meta(bundle)  # fail here, with a clear message, rather than in the server
        env[BUNDLE_ENV] = str(Path(bundle).resolve())
    return BackgroundServer(
        uvicorn_command("mlops_course.serving:app_from_env", factory=True), port=port,
        ready_path=ready_path, ready_timeout=ready_timeout, env=env, name="uvicorn (mlproject API)",
    )


# --- request bodies from the data -----------------------------------------------------------


def example_hours(frame: pd.DataFrame, n: int | None = None, *, seed: int = 0) -> list[dict]:
    """Rows of the bike data as `/v1/predict` bodies (`n` sampled with `seed`, or all of them).

    Each value gets the JSON type of its field in `mlproject.schemas.HourRecord` (integers,
    numbers, text or null), so that the strict contract accepts them.
    """
    from mlproject.schemas import HourRecord

    rows = frame if n is None else frame.sample(n=min(n, len(frame)), random_state=seed)
    fields = HourRecord.model_fields
    out = []
    for record in rows[list(fields)].astype(object).to_dict(orient="records"):
        body: dict[str, Any] = {}
        for key, field in fields.items():
            value = record[key]
            if value is None or value != value:  # NaN: not recorded
                body[key] = None
            elif field.annotation is int:
                body[key] = int(value)
            elif field.annotation is float:
                body[key] = float(value)
            else:
                body[key] = str(value)
        out.append(body)
    return out


def single_threaded() -> None:
    """Limit BLAS and OpenMP to one thread in this process.

    One-row predictions gain nothing from threads, and on a small shared machine OpenMP's
    busy-waiting threads make them many times slower (and training too).
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
