"""Serving the running use case over HTTP: the contract, the model behind it, and the app.

    champion = ensure_champion()                      # sprint 01's, or a small one trained here
    bundle = save_bundle(settings.workspace("sprint03", "bundle"), champion)
    with serve(bundle) as api:                       # uvicorn on a free port, always stopped
        httpx.post(api.url + "/v1/predict", json=EXAMPLE_HOUR).json()

Four layers, each replaceable without touching the others:
    contract    pydantic models of requests and answers, with units and ranges (the OpenAPI docs)
    predictor   anything with `info` and `predict(records)`: a scikit-learn pipeline or ONNX
    bundle      a folder with one model file and `model.json` (name, version, kind): what a
                server loads; the registry is asked once, at deploy time, not at every start
    app         `create_app(load)`: health, readiness, single and batch predictions, an optional
                API key, a request log, Prometheus metrics

Importing this module is cheap (pydantic only): a server imports scikit-learn, pandas or
onnxruntime when it loads its model, in a background thread, so `/health` answers at once.
"""

# No `from __future__ import annotations` here: FastAPI reads the endpoints' annotations at run
# time, and they name classes imported inside `create_app`.

import json
import os
import secrets
import threading
import time
import warnings
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol, get_args

from pydantic import BaseModel, ConfigDict, Field

from mlops_course.servers import BackgroundServer, python_command

if TYPE_CHECKING:  # heavy imports, only for type checkers
    from fastapi import FastAPI

MODEL_NAME = "bike-demand"
CHAMPION = "champion"
EXPERIMENT = "bike-demand"
API_PREFIX = "/v1"
MAX_BATCH = 1000
API_KEY_HEADER = "X-API-Key"
VERSION_HEADER = "X-Model-Version"

# How `app_from_env` (the uvicorn factory) is configured: environment variables, 12-factor style.
BUNDLE_ENV = "MLOPS_SERVING_BUNDLE"
API_KEY_ENV = "MLOPS_API_KEY"
REQUEST_LOG_ENV = "MLOPS_REQUEST_LOG"

Weekday = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
Weather = Literal["Clear", "Mist", "Light Rain", "Heavy Rain"]
WEEKDAYS: tuple[str, ...] = get_args(Weekday)
WEATHER: tuple[str, ...] = get_args(Weather)
FIELDS = ("hr", "workingday", "holiday", "temp", "hum", "windspeed", "weekday", "weathersit")

EXAMPLE_HOUR: dict[str, Any] = {
    "hr": 8, "weekday": "Wed", "workingday": 1, "holiday": 0, "weathersit": "Clear",
    "temp": 18.5, "hum": 60, "windspeed": 12.0,
}


# Starlette's TestClient asks for `httpx2`, a fork the course does not pin; the notice is noise.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")


class ServingError(RuntimeError):
    """A bundle, a model or a server is not what serving expects (the message says what to do)."""


# --- the contract -----------------------------------------------------------------------------


class HourFeatures(BaseModel):
    """One hour to predict, as a client sends it: the calendar and the weather, never the counts.

    Ranges are the data card's: a value outside them is something the model never saw, so the
    API refuses it (422) rather than guess.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_HOUR]})

    hr: int = Field(ge=0, le=23, description="Hour of the day in local time, 0-23 (8 = 8:00-8:59).")
    weekday: Weekday = Field(description="Day of the week.")
    workingday: int = Field(ge=0, le=1, description="1 when neither weekend nor holiday, else 0.")
    holiday: int = Field(ge=0, le=1, description="1 on a public holiday, else 0.")
    weathersit: Weather | None = Field(
        default=None, description="Weather situation; null or left out when not recorded."
    )
    temp: float = Field(ge=-8, le=39, allow_inf_nan=False, description="Air temperature in °C.")
    hum: float = Field(ge=0, le=100, allow_inf_nan=False, description="Relative humidity in %.")
    windspeed: float = Field(
        ge=0, le=67, allow_inf_nan=False,
        description="Wind speed on the source's 0-67 scale (the data card has no unit).",
    )


class BatchRequest(BaseModel):
    """Many hours in one call: cheaper per row than one call each; bounded, so each call is fast."""

    model_config = ConfigDict(extra="forbid")

    records: list[HourFeatures] = Field(
        min_length=1, max_length=MAX_BATCH, description=f"1 to {MAX_BATCH} hours, in any order."
    )


class Prediction(BaseModel):
    rentals: float = Field(ge=0, description="Predicted rentals in the hour, in bikes per hour.")
    model_version: str = Field(description="Registry version of the model that answered.")


class BatchPrediction(BaseModel):
    rentals: list[float] = Field(description="One prediction per record, in request order.")
    count: int = Field(ge=1, description="Number of predictions.")
    model_version: str = Field(description="Registry version of the model that answered.")


class Health(BaseModel):
    status: Literal["ok"] = Field(description="'ok' whenever the process answers.")


class Ready(BaseModel):
    status: Literal["ready"] = Field(description="'ready' once the model is loaded.")
    model_name: str
    model_version: str


class FieldError(BaseModel):
    field: str = Field(description="Where the problem is, e.g. 'hr' or 'records.2.temp'.")
    message: str = Field(description="What is wrong with it, in words.")
    type: str = Field(description="Machine-readable kind, e.g. 'less_than_equal'.")


class ErrorBody(BaseModel):
    detail: str = Field(description="What went wrong and what to do about it.")
    errors: list[FieldError] = Field(default_factory=list, description="One entry per bad field.")


def field_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """pydantic's error list as `{field, message, type}` entries (`body` dropped from the path)."""
    out = []
    for err in errors:
        kind = str(err.get("type", "value_error"))
        message = str(err.get("msg", "invalid"))
        parts = [str(p) for p in err.get("loc", ()) if p != "body"]
        if kind == "json_invalid":  # the location is a character position, not a field
            message = f"{message} at character {'.'.join(parts) or '?'}: send valid JSON"
            parts = []
        out.append({"field": ".".join(parts) or "body", "message": message, "type": kind})
    return out


# --- predictors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelInfo:
    """Which model answers: its registry name and version (and the alias it was found by)."""

    name: str
    version: str
    alias: str | None = None
    run_id: str | None = None
    kind: str = "sklearn"


class Predictor(Protocol):
    """What the app needs from a model: who it is, and predictions for validated records."""

    info: ModelInfo

    def predict(self, records: Sequence[Mapping[str, Any]]) -> list[float]: ...


def _clean(values: Any) -> list[float]:
    """Rentals cannot be negative: clip at zero, round to 0.01 bike, plain floats for JSON."""
    import numpy as np

    return [round(float(v), 2) for v in np.clip(np.asarray(values, dtype="float64"), 0, None)]


class SklearnPredictor:
    """A scikit-learn pipeline that takes the feature frame of `modelling.features`."""

    def __init__(self, model: Any, info: ModelInfo) -> None:
        self.model, self.info = model, info

    def frame(self, records: Sequence[Mapping[str, Any]]) -> Any:
        import pandas as pd

        from mlops_course import modelling

        rows = pd.DataFrame([{k: r.get(k) for k in FIELDS} for r in records], columns=FIELDS)
        return modelling.features(rows)

    def predict(self, records: Sequence[Mapping[str, Any]]) -> list[float]:
        return _clean(self.model.predict(self.frame(records)))


class OnnxPredictor:
    """An ONNX export of `onnx_export.exportable_model`: numbers in, numbers out, no pandas."""

    def __init__(self, onnx_bytes: bytes, info: ModelInfo) -> None:
        from mlops_course import onnx_export

        self.session = onnx_export.session(onnx_bytes)
        self.info = info

    def predict(self, records: Sequence[Mapping[str, Any]]) -> list[float]:
        from mlops_course import onnx_export

        return _clean(onnx_export.run(self.session, onnx_export.encode(records)))


class ProfilePredictor:
    """Sprint 01's heuristic baseline as a table: mean rentals by kind of day and hour, scaled by
    the weather. Pure Python, so a server that serves it starts in about a second.
    """

    def __init__(self, table: Mapping[str, Any], info: ModelInfo) -> None:
        self.profile = {key: float(v) for key, v in table["profile"].items()}
        self.weather = {key: float(v) for key, v in table["weather"].items()}
        self.fallback = float(table["fallback"])
        self.info = info

    def predict(self, records: Sequence[Mapping[str, Any]]) -> list[float]:
        out = []
        for record in records:
            key = f"{int(record['workingday'])},{int(record['hr'])}"
            base = self.profile.get(key, self.fallback)
            factor = self.weather.get(str(record.get("weathersit")), 1.0)
            out.append(round(max(0.0, base * factor), 2))
        return out


# --- bundles ----------------------------------------------------------------------------------

META = "model.json"
SKOPS_FILE = "model.skops"
ONNX_FILE = "model.onnx"
PROFILE_FILE = "profile.json"


def save_bundle(
    folder: str | Path, model: Any, info: ModelInfo, *, onnx_bytes: bytes | None = None
) -> Path:
    """Write a deployable bundle: the model file and `model.json`; return the folder.

    With `onnx_bytes` the bundle holds the ONNX export (kind `onnx`), else the scikit-learn
    model serialised with skops, which refuses to load types nobody trusted (unlike pickle).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (SKOPS_FILE, ONNX_FILE, PROFILE_FILE):
        (folder / stale).unlink(missing_ok=True)
    if isinstance(model, ProfilePredictor):
        table = {"profile": model.profile, "weather": model.weather, "fallback": model.fallback}
        (folder / PROFILE_FILE).write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
        kind = "profile"
    elif onnx_bytes is not None:
        (folder / ONNX_FILE).write_bytes(onnx_bytes)
        kind = "onnx"
    else:
        import skops.io

        from mlops_course import modelling

        data = skops.io.dumps(model)
        untrusted = set(skops.io.get_untrusted_types(data=data)) - set(modelling.TRUSTED_TYPES)
        if untrusted:
            raise ServingError(
                f"The model holds types that no one listed as trusted: {sorted(untrusted)}. "
                "Add them to modelling.TRUSTED_TYPES if you wrote them, or serve another model."
            )
        (folder / SKOPS_FILE).write_bytes(data)
        kind = "sklearn"
    meta = {
        "name": info.name, "version": str(info.version), "alias": info.alias,
        "run_id": info.run_id, "kind": kind, "fields": list(FIELDS),
        "saved": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (folder / META).write_text(json.dumps(meta, indent=2) + "\n")
    return folder


def bundle_info(folder: str | Path) -> ModelInfo:
    """What a bundle holds, read from its `model.json` (the model itself is not loaded)."""
    path = Path(folder) / META
    if not path.is_file():
        raise ServingError(
            f"{path} does not exist: {folder} is not a model bundle. Create one with "
            "`serving.save_bundle(folder, model, info)`."
        )
    meta = json.loads(path.read_text())
    return ModelInfo(
        name=meta["name"], version=str(meta["version"]), alias=meta.get("alias"),
        run_id=meta.get("run_id"), kind=meta.get("kind", "sklearn"),
    )


def load_predictor(folder: str | Path) -> Predictor:
    """Load a bundle's model: scikit-learn through skops, or ONNX through onnxruntime."""
    folder = Path(folder)
    info = bundle_info(folder)
    if info.kind == "onnx":
        return OnnxPredictor((folder / ONNX_FILE).read_bytes(), info)
    if info.kind == "profile":
        return ProfilePredictor(json.loads((folder / PROFILE_FILE).read_text()), info)
    import skops.io

    from mlops_course import modelling

    model = skops.io.load(folder / SKOPS_FILE, trusted=modelling.TRUSTED_TYPES)
    return SklearnPredictor(model, info)


# --- the champion from the registry -----------------------------------------------------------


@dataclass(frozen=True)
class Champion:
    """The registry's champion and where it came from."""

    model: Any
    info: ModelInfo
    trained_here: bool


def ensure_champion(
    store: Any = None, *, name: str = MODEL_NAME, fast: bool = False
) -> Champion:
    """The model behind `models:/<name>@champion` in the local MLflow store (sprint 01's).

    When the store has no champion yet, a small boosted-trees model is trained on the reference
    period, logged, registered and given the `champion` alias first, so that later sprints work
    even when sprint 01 was skipped.
    """
    import mlflow

    from mlops_course import tracking

    tracking.quiet_store_setup()
    store = store or tracking.local_store()
    client = mlflow.MlflowClient()
    try:
        version = client.get_model_version_by_alias(name, CHAMPION)
    except mlflow.exceptions.MlflowException:
        version = None
    if version is not None:
        model = mlflow.sklearn.load_model(f"models:/{name}@{CHAMPION}")
        info = ModelInfo(name, str(version.version), CHAMPION, version.run_id)
        return Champion(model, info, trained_here=False)
    model, run_id, model_uri = _train_and_log(store, fast=fast)
    registered = mlflow.register_model(model_uri, name)
    client.set_registered_model_alias(name, CHAMPION, registered.version)
    info = ModelInfo(name, str(registered.version), CHAMPION, run_id)
    return Champion(model, info, trained_here=True)


def _train_and_log(store: Any, *, fast: bool) -> tuple[Any, str, str]:
    """Train the boosted trees of sprint 01 and log them; (model, run id, model URI)."""
    import mlflow
    from mlflow.models import infer_signature

    from mlops_course import datasets, modelling, tracking

    single_threaded()
    tracking.use_experiment(EXPERIMENT, store)
    reference = datasets.reference_period()
    X, y = modelling.features(reference), reference[modelling.TARGET]
    params = {"max_iter": 60 if fast else 200, "learning_rate": 0.1, "random_state": 0}
    model = modelling.boosted_trees(**params).fit(X, y)
    with mlflow.start_run(run_name="champion-for-serving") as run:
        mlflow.log_params(params)
        mlflow.log_param("data_sha256", tracking.frame_sha256(reference))
        logged = mlflow.sklearn.log_model(
            model, name="model", signature=infer_signature(X, model.predict(X.head(50))),
            input_example=X.head(2), pip_requirements=tracking.pip_requirements("scikit-learn"),
            skops_trusted_types=modelling.TRUSTED_TYPES,
        )
    return model, run.info.run_id, logged.model_uri


def ensure_bundle(folder: str | Path, *, fast: bool = False) -> ModelInfo:
    """The bundle in `folder`; when there is none, one with a model trained here, unregistered.

    Sprint 03 exports the registry's champion to `workspace/sprint03/bundle`. A notebook that
    needs a served model without that step trains the same kind of model on the reference
    period and labels it version `local` (it is in no registry), so that it still runs alone.
    """
    folder = Path(folder)
    if (folder / META).is_file():
        return bundle_info(folder)
    from mlops_course import datasets, modelling

    single_threaded()
    reference = datasets.reference_period()
    model = modelling.boosted_trees(max_iter=60 if fast else 200).fit(
        modelling.features(reference), reference[modelling.TARGET]
    )
    save_bundle(folder, model, ModelInfo(MODEL_NAME, "local"))
    return bundle_info(folder)


def profile_model(frame: Any, version: str = "baseline-2011") -> ProfilePredictor:
    """The baseline fitted on `frame`: mean `cnt` by (workingday, hr), times a weather factor.

    The factor is the mean demand in that weather over the overall mean; a missing or unknown
    weather gets 1. Used by the sprint 03 lab, whose subject is the API, not the model.
    """
    profile = frame.groupby(["workingday", "hr"])["cnt"].mean()
    overall = float(frame["cnt"].mean())
    weather = frame.groupby(frame["weathersit"].astype(object))["cnt"].mean() / overall
    table = {
        "profile": {f"{int(w)},{int(h)}": round(float(v), 4) for (w, h), v in profile.items()},
        "weather": {str(k): round(float(v), 4) for k, v in weather.items()},
        "fallback": round(overall, 4),
    }
    return ProfilePredictor(table, ModelInfo(f"{MODEL_NAME}-baseline", version, kind="profile"))


def lab_bundle(folder: str | Path, version: str = "baseline-2011") -> Path:
    """The sprint 03 lab's model: the baseline of the reference period, as a profile bundle."""
    from mlops_course import datasets

    model = profile_model(datasets.reference_period(), version)
    return save_bundle(folder, model, model.info)


def single_threaded() -> None:
    """Limit BLAS and OpenMP to one thread in this process.

    One-row predictions gain nothing from threads, and on a small shared machine OpenMP's
    busy-waiting threads make them many times slower (and training too).
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


# --- the app ----------------------------------------------------------------------------------


class ModelState:
    """The served model, loaded by a background thread; readiness is `predictor is not None`."""

    def __init__(self) -> None:
        self.predictor: Predictor | None = None
        self.error: str | None = None
        self.loaded = threading.Event()

    def load(self, load: Callable[[], Predictor]) -> None:
        try:
            single_threaded()
            self.predictor = load()
        except Exception as err:  # any failure must show in /ready, not kill the thread silently
            self.error = f"{type(err).__name__}: {err}"
        finally:
            self.loaded.set()


class RequestLog:
    """Appends every predicted record (features, prediction, version, time) to a JSON-lines file.

    The skew check of sprint 03 and the monitoring of sprint 05 read it back; in production it
    would go to a queue or a table.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def write(self, records: Sequence[Mapping[str, Any]], rentals: Sequence[float], version: str):
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        lines = [
            json.dumps({"time": stamp, "model_version": version, **rec, "rentals": pred})
            for rec, pred in zip(records, rentals, strict=True)
        ]
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write("\n".join(lines) + "\n")


def read_request_log(path: str | Path) -> list[dict[str, Any]]:
    """Every record a server logged, oldest first (an empty list when nothing was logged)."""
    path = Path(path)
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def create_app(
    load: Callable[[], Predictor],
    *,
    api_key: str | None = None,
    request_log: str | Path | None = None,
    title: str = "Bike demand API",
) -> "FastAPI":
    """The prediction service around whatever `load()` returns.

    `load` runs in a background thread when the server starts, so `/health` (liveness) answers
    at once while `/ready` (readiness) says 503 until the model is there. With `api_key`,
    prediction endpoints want it in the `X-API-Key` header (401 otherwise).
    """
    from fastapi import Depends, FastAPI, HTTPException, Request, Response
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from fastapi.security import APIKeyHeader
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    from mlops_course.slo import ServiceMetrics

    state = ModelState()
    metrics = ServiceMetrics()
    log = RequestLog(request_log) if request_log else None
    key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        threading.Thread(target=state.load, args=(load,), daemon=True, name="model-loader").start()
        yield

    app = FastAPI(
        title=title,
        version="1.0.0",
        description="Predicts how many bikes are rented in an hour in Washington DC from the "
        "calendar and the weather. Units and ranges are in the request schema below.",
        lifespan=lifespan,
    )
    app.state.model = state
    app.state.metrics = metrics
    errors = {
        401: {"model": ErrorBody, "description": "Missing or wrong API key."},
        422: {"model": ErrorBody, "description": "The request does not meet the schema."},
        503: {"model": ErrorBody, "description": "The model is not loaded (yet)."},
    }

    def require_key(key: Annotated[str | None, Depends(key_header)]) -> None:
        if api_key is None:
            return
        if key is None or not secrets.compare_digest(key.encode(), api_key.encode()):
            raise HTTPException(401, f"Missing or wrong {API_KEY_HEADER} header.")

    def require_model() -> Predictor:
        if state.predictor is None:
            reason = state.error or "the model is still loading; retry in a few seconds"
            raise HTTPException(503, f"Model not ready: {reason}")
        return state.predictor

    Served = Annotated[Predictor, Depends(require_model)]

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[..., Any]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        metrics.observe(route, response.status_code, time.perf_counter() - started)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        found = field_errors(exc.errors())
        names = ", ".join(e["field"] for e in found[:5]) + (" ..." if len(found) > 5 else "")
        detail = f"Invalid request: check {names} (units and ranges are in /docs)."
        return JSONResponse(status_code=422, content={"detail": detail, "errors": found})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(
            status_code=exc.status_code, content={"detail": str(exc.detail), "errors": []},
            headers=getattr(exc, "headers", None),
        )

    @app.get("/health", response_model=Health, tags=["operations"])
    def health() -> Health:
        """Liveness: the process is up. An orchestrator restarts the container when this fails."""
        return Health(status="ok")

    @app.get("/ready", response_model=Ready, responses={503: errors[503]}, tags=["operations"])
    def ready() -> Ready:
        """Readiness: the model is loaded. A load balancer sends traffic only when this is 200."""
        predictor = require_model()
        return Ready(
            status="ready", model_name=predictor.info.name, model_version=predictor.info.version
        )

    def answer(records: list[dict[str, Any]], predictor: Predictor, response: Response):
        rentals = predictor.predict(records)
        metrics.predictions.labels(predictor.info.version).inc(len(rentals))
        if log is not None:
            log.write(records, rentals, predictor.info.version)
        response.headers[VERSION_HEADER] = predictor.info.version
        return rentals

    @app.post(
        f"{API_PREFIX}/predict", response_model=Prediction, tags=["predictions"],
        responses={k: errors[k] for k in (401, 422, 503)}, dependencies=[Depends(require_key)],
    )
    def predict(hour: HourFeatures, response: Response, predictor: Served) -> Prediction:
        """Predicted rentals for one hour."""
        (rentals,) = answer([hour.model_dump()], predictor, response)
        return Prediction(rentals=rentals, model_version=predictor.info.version)

    @app.post(
        f"{API_PREFIX}/predict/batch", response_model=BatchPrediction, tags=["predictions"],
        responses={k: errors[k] for k in (401, 422, 503)}, dependencies=[Depends(require_key)],
    )
    def predict_batch(
        batch: BatchRequest, response: Response, predictor: Served
    ) -> BatchPrediction:
        """Predicted rentals for many hours, in request order."""
        rentals = answer([r.model_dump() for r in batch.records], predictor, response)
        return BatchPrediction(
            rentals=rentals, count=len(rentals), model_version=predictor.info.version
        )

    @app.get("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        """Prometheus scrape endpoint (text exposition format)."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


def app_from_env() -> "FastAPI":
    """The uvicorn factory: the bundle, API key and request log come from environment variables.

        MLOPS_SERVING_BUNDLE=path/to/bundle uvicorn mlops_course.serving:app_from_env --factory
    """
    bundle = os.environ.get(BUNDLE_ENV)
    if not bundle:
        raise ServingError(f"Set {BUNDLE_ENV} to the folder of a model bundle.")
    return create_app(
        lambda: load_predictor(bundle),
        api_key=os.environ.get(API_KEY_ENV) or None,
        request_log=os.environ.get(REQUEST_LOG_ENV) or None,
        title=f"Bike demand API ({bundle_info(bundle).name})",
    )


def uvicorn_command(app: str, *, factory: bool = False, host: str = "127.0.0.1") -> list[str]:
    """`python -m uvicorn <app>` on `{port}`, quiet, one worker: for `BackgroundServer`."""
    command = python_command(
        "uvicorn", app, "--host", host, "--port", "{port}", "--log-level", "warning",
        "--no-access-log",
    )
    return command + (["--factory"] if factory else [])


def serve(
    bundle: str | Path,
    *,
    api_key: str | None = None,
    request_log: str | Path | None = None,
    port: int | None = None,
    ready_path: str = "/ready",
    ready_timeout: float = 120.0,
) -> BackgroundServer:
    """The bundle's API under uvicorn on a free port, as a context manager (always stopped).

    `ready_path="/ready"` waits until the model is loaded; `"/health"` returns as soon as the
    process answers (to watch readiness change).
    """
    bundle_info(bundle)  # fail here, with a clear message, rather than in the server
    env = {
        BUNDLE_ENV: str(Path(bundle).resolve()),
        API_KEY_ENV: api_key or "",
        REQUEST_LOG_ENV: str(Path(request_log).resolve()) if request_log else "",
        "OMP_NUM_THREADS": "1",
    }
    return BackgroundServer(
        uvicorn_command("mlops_course.serving:app_from_env", factory=True), port=port,
        ready_path=ready_path, ready_timeout=ready_timeout, env=env, name="uvicorn (bike API)",
    )


def example_hours(frame: Any, n: int | None = None, *, seed: int = 0) -> list[dict[str, Any]]:
    """Rows of the bike data as JSON request bodies (`n` sampled with `seed`, or all of them).

    Needs pandas only (not scikit-learn), so that a lab's tests stay quick to import.
    """
    rows = frame if n is None else frame.sample(n=min(n, len(frame)), random_state=seed)
    out = []
    for record in rows[list(FIELDS)].astype(object).to_dict(orient="records"):
        body = {}
        for key in FIELDS:
            value = record[key]
            if key in ("hr", "workingday", "holiday"):
                body[key] = int(value)
            elif key in ("temp", "hum", "windspeed"):
                body[key] = float(value)
            else:
                body[key] = None if value is None or value != value else str(value)
        out.append(body)
    return out
