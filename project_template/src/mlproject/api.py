"""The prediction API: FastAPI app that serves the registry's champion.

Endpoints (the contract is in schemas.py):
    GET  /health            the process answers (liveness): 200 as soon as it is up
    GET  /ready             the model is loaded (readiness): 503 until then, or if loading failed
    POST /v1/predict        one hour -> {"rentals", "model_version"}
    POST /v1/predict/batch  1 to 1000 hours at once -> {"rentals": [...], "count", "model_version"}
    GET  /metrics           Prometheus metrics (request counts, latency histogram, predictions)

The model loads in a background thread at start-up, so /health answers at once, a failed load
leaves the process up (and /ready says why), and an orchestrator (Kubernetes, Cloud Run,
Docker's HEALTHCHECK) can tell "starting" from "dead". Every prediction carries the model's
version in its body and in the `X-Model-Version` header. Set MLPROJECT_API_KEY to require an
`X-API-Key` header on the prediction endpoints. Run it with `python -m mlproject serve` (see
serve.py), not by importing this module.

create_app() is assembled from four parts, each a function below: the model state (loaded
in the lifespan), the middleware (metrics and request logs), the error handlers (422 with
field errors, also for a body that is not JSON) and the routes.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations, and
# those refer to dependencies defined inside functions, which strings could not resolve.

import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from mlproject import __version__, evaluate, registry, schemas
from mlproject import settings as cfg
from mlproject.observability import ApiMetrics

log = logging.getLogger("mlproject.api")

# How the app gets its model: the registry's champion by default; tests and the course pass
# their own (a model in memory, a folder on disk), with the same result type.
Loader = Callable[[cfg.Settings], registry.LoadedModel]

api_key_header = APIKeyHeader(
    name=schemas.API_KEY_HEADER,
    auto_error=False,
    description="Required only when the service was started with MLPROJECT_API_KEY set.",
)

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": schemas.ErrorResponse, "description": "Missing or wrong X-API-Key."},
    422: {"model": schemas.ValidationErrorResponse, "description": "Invalid request body."},
    503: {"model": schemas.ErrorResponse, "description": "The model is not loaded (yet)."},
}


# ----------------------------------------------------------------------------- the model


class ModelState:
    """The served model, filled in by a background thread; readers see it once set."""

    def __init__(self) -> None:
        self.loaded: registry.LoadedModel | None = None
        self.error: str | None = None
        self.done = threading.Event()

    def load(self, loader: Loader, settings: cfg.Settings) -> None:
        started = time.perf_counter()
        try:
            self.loaded = loader(settings)
        except Exception as err:  # any failure must surface in /ready, not kill the thread
            self.error = f"{type(err).__name__}: {err}"
            log.error("model loading failed", extra={"error": self.error})
        else:
            log.info(
                "model loaded",
                extra={
                    "model_name": self.loaded.name,
                    "model_version": self.loaded.version,
                    "seconds": round(time.perf_counter() - started, 3),
                },
            )
        finally:
            self.done.set()

    def require(self) -> registry.LoadedModel:
        """The loaded model, or a 503 saying why there is none (still loading, or the error)."""
        if self.loaded is None:
            reason = self.error or "the model is still loading; retry in a few seconds"
            raise HTTPException(503, f"Model not ready: {reason}")
        return self.loaded


def predict_records(model: Any, records: Sequence[Mapping[str, Any]]) -> list[float]:
    """Predicted rentals for records as the contract allows them, in order: clipped at 0,
    rounded to 0.01 bike. An optional field left out (`weathersit`) takes its default.
    """
    frame = pd.DataFrame(list(records))
    for name, field in schemas.HourRecord.model_fields.items():
        if name not in frame and not field.is_required():
            frame[name] = field.default
    return evaluate.predict(model, frame).round(2).tolist()


class PredictionLog:
    """Appends every prediction (inputs, output, model version) to a JSON-lines file.

    Monitoring and the dashboard read it (`monitor.recent_predictions`); in production this
    would go to a queue or a table.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def write(
        self, records: Sequence[Mapping[str, Any]], predictions: Sequence[float], version: str
    ) -> None:
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        lines = [
            json.dumps({"time": stamp, "model_version": version, **rec, "prediction": pred})
            for rec, pred in zip(records, predictions, strict=True)
        ]
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write("\n".join(lines) + "\n")
        except OSError as err:  # a full disk must not fail the prediction itself
            log.warning("could not log predictions", extra={"error": str(err)})

    def read(self) -> list[dict[str, Any]]:
        """Every logged row, oldest first (an empty list when nothing was logged yet)."""
        if not self.path.is_file():
            return []
        text = self.path.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]


# ----------------------------------------------------------------------------- the parts


def add_middleware(app: FastAPI, metrics: ApiMetrics) -> None:
    """Time and count every request (Prometheus) and log it as one JSON line with an id."""

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[..., Any]) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        started = time.perf_counter()
        response = await call_next(request)
        seconds = time.perf_counter() - started
        route = getattr(request.scope.get("route"), "path", "unmatched")
        metrics.observe(request.method, route, response.status_code, seconds)
        response.headers["X-Request-ID"] = request_id
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.url.path,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 3),
                "request_id": request_id,
            },
        )
        return response


def add_error_handlers(app: FastAPI) -> None:
    """Errors as JSON bodies: 422 lists every bad field; other errors keep their status."""

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = schemas.field_errors(exc.errors())
        fields = ", ".join(e["field"] for e in errors[:5])
        more = f" and {len(errors) - 5} more" if len(errors) > 5 else ""
        detail = f"Invalid request: check {fields}{more} (see /docs for units and ranges)."
        return JSONResponse(status_code=422, content={"detail": detail, "errors": errors})

    @app.exception_handler(StarletteHTTPException)  # also FastAPI's subclass, raised by us
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and request.method == "POST":
            # FastAPI answers 400 when the body is not even JSON (bad bytes, bad encoding);
            # report it like every other invalid body: 422 with the field at fault.
            error = {
                "field": "body",
                "message": "The body is not valid JSON.",
                "type": "json_invalid",
            }
            content = {"detail": "Invalid request: the body must be JSON.", "errors": [error]}
            return JSONResponse(status_code=422, content=content)
        return JSONResponse(
            status_code=exc.status_code, content={"detail": exc.detail}, headers=exc.headers
        )


def operations_routes(state: ModelState, metrics: ApiMetrics) -> APIRouter:
    """Probes and metrics: open to everyone (no API key), never in the way of a restart."""
    router = APIRouter(tags=["operations"])

    @router.get("/health", response_model=schemas.Health)
    def health() -> schemas.Health:
        """Liveness: the process is up and answering, whether or not a model is loaded."""
        return schemas.Health(status="ok")

    @router.get("/ready", response_model=schemas.Ready, responses={503: ERRORS[503]})
    def ready() -> schemas.Ready:
        """Readiness: the model is loaded and predictions will succeed."""
        served = state.require()
        return schemas.Ready(status="ready", model_name=served.name, model_version=served.version)

    @router.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        """Prometheus scrape endpoint (text exposition format)."""
        if state.loaded is not None:
            metrics.model_info.labels(state.loaded.name, state.loaded.version).set(1)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router


def prediction_routes(
    state: ModelState, metrics: ApiMetrics, prediction_log: PredictionLog, api_key: str | None
) -> APIRouter:
    """`/v1/predict` and `/v1/predict/batch`: behind the API key when there is one."""

    def require_key(key: Annotated[str | None, Depends(api_key_header)]) -> None:
        if api_key is None:
            return
        if key is None or not secrets.compare_digest(key.encode(), api_key.encode()):
            raise HTTPException(401, f"Missing or wrong {schemas.API_KEY_HEADER} header.")

    Served = Annotated[registry.LoadedModel, Depends(state.require)]
    router = APIRouter(
        prefix=schemas.API_PREFIX,
        tags=["predictions"],
        dependencies=[Depends(require_key)],
        responses={k: ERRORS[k] for k in (401, 422, 503)},
    )

    def answer(records: list[schemas.HourRecord], served: registry.LoadedModel, response: Response):
        rows = [record.model_dump() for record in records]
        rentals = predict_records(served.model, rows)
        metrics.predictions.inc(len(rows))
        prediction_log.write(rows, rentals, served.version)
        response.headers[schemas.VERSION_HEADER] = served.version
        return rentals

    @router.post("/predict", response_model=schemas.Prediction)
    def predict(
        record: schemas.HourRecord, served: Served, response: Response
    ) -> schemas.Prediction:
        """Predicted rentals for one hour."""
        (rentals,) = answer([record], served, response)
        return schemas.Prediction(rentals=rentals, model_version=served.version)

    @router.post("/predict/batch", response_model=schemas.BatchPrediction)
    def predict_batch(
        batch: schemas.BatchRequest, served: Served, response: Response
    ) -> schemas.BatchPrediction:
        """Predicted rentals for many hours, in request order."""
        rentals = answer(batch.records, served, response)
        return schemas.BatchPrediction(
            rentals=rentals, count=len(rentals), model_version=served.version
        )

    return router


# ----------------------------------------------------------------------------- the app


def create_app(settings: cfg.Settings | None = None, loader: Loader | None = None) -> FastAPI:
    """Build the app. `loader` fetches the model (default: the registry's champion)."""
    settings = settings or cfg.get_settings()
    loader = loader or (lambda s: registry.load(s))
    state = ModelState()
    metrics = ApiMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=settings.threads)  # one-row predictions: threads only cost
        threading.Thread(
            target=state.load, args=(loader, settings), daemon=True, name="model-loader"
        ).start()
        yield

    app = FastAPI(
        title="mlproject: hourly bike rentals",
        version=__version__,
        description="Predicts how many bikes are rented in an hour from the calendar and the "
        "weather. Model: the registry's champion, loaded at start-up. Units and ranges are in "
        "the request schema.",
        lifespan=lifespan,
    )
    app.state.model = state
    app.state.metrics = metrics
    add_middleware(app, metrics)
    add_error_handlers(app)
    app.include_router(operations_routes(state, metrics))
    log_file = PredictionLog(settings.predictions_log)
    app.include_router(prediction_routes(state, metrics, log_file, settings.api_key))
    return app
