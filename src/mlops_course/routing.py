"""Deployment strategies in code: a deterministic traffic splitter and a canary/shadow router.

    splitter = TrafficSplitter({"v1": 0.9, "v2": 0.1}, salt="canary-2012-06")
    splitter.choose("station-31623")           # the same answer in every process, every time

    with serve_router({"v1": api1.url, "v2": api2.url}, {"v1": 0.9, "v2": 0.1}) as router:
        httpx.post(router.url + "/v1/predict", json=hour, headers={"X-Routing-Key": "user-7"})

Canary: a small, deterministic share of traffic goes to the new version; the same key always
lands on the same version (a user does not flip between models), and raising the share only
moves keys from the old version to the new one. Shadow: every request is answered by the
primary version and *also* sent to the shadow version, whose answer is compared and thrown
away, so a candidate meets real traffic without any user seeing it. The router's metrics are
mlproject's `ApiMetrics` (its own requests) plus requests, errors and latency per version.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations at run time.

import asyncio
import hashlib
import json
import os
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx
from mlproject.observability import LATENCY_BUCKETS, ApiMetrics

from mlops_course.servers import BackgroundServer

if TYPE_CHECKING:
    from fastapi import FastAPI

ROUTING_KEY_HEADER = "X-Routing-Key"
ROUTED_HEADER = "X-Routed-To"
BACKENDS_ENV = "MLOPS_ROUTER_BACKENDS"
WEIGHTS_ENV = "MLOPS_ROUTER_WEIGHTS"
SHADOW_ENV = "MLOPS_ROUTER_SHADOW"
SALT_ENV = "MLOPS_ROUTER_SALT"
# The API's prediction paths, which the router forwards (the other routes are its own).
PREDICTION_PATHS = ("/v1/predict", "/v1/predict/batch")
ROUTES = frozenset({*PREDICTION_PATHS, "/health", "/ready", "/metrics"})


class RoutingError(ValueError):
    """A split or a router is misconfigured (the message says how to fix it)."""


class TrafficSplitter:
    """Assigns keys to versions with the configured weights, deterministically.

    A key's position in [0, 1) comes from SHA-256 of `salt:key` (not Python's `hash()`, which
    changes between processes), and the versions own consecutive slices of [0, 1) in the order
    given. A new salt reshuffles everyone; the same salt keeps assignments stable.
    """

    def __init__(self, weights: Mapping[str, float], *, salt: str = "") -> None:
        if not weights:
            raise RoutingError("Give at least one version and its weight, e.g. {'v1': 1.0}.")
        if any(w < 0 for w in weights.values()):
            raise RoutingError(f"Weights cannot be negative: {dict(weights)}.")
        total = sum(weights.values())
        if abs(total - 1) > 1e-9:
            raise RoutingError(f"Weights must add up to 1, they add up to {total:g}.")
        self.weights = dict(weights)
        self.salt = salt
        bounds, acc = [], 0.0
        for version, weight in self.weights.items():
            acc += weight
            bounds.append((acc, version))
        self._bounds = bounds

    def position(self, key: str) -> float:
        """Where `key` falls in [0, 1): the first 64 bits of its salted SHA-256."""
        digest = hashlib.sha256(f"{self.salt}:{key}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def choose(self, key: str) -> str:
        """The version that serves `key`."""
        point = self.position(key)
        for bound, version in self._bounds:
            if point < bound:
                return version
        return self._bounds[-1][1]

    def observed(self, keys: Iterable[str]) -> dict[str, float]:
        """Share of `keys` each version receives (to compare with the configured weights)."""
        counts = dict.fromkeys(self.weights, 0)
        n = 0
        for key in keys:
            counts[self.choose(key)] += 1
            n += 1
        return {v: c / n for v, c in counts.items()} if n else dict.fromkeys(self.weights, 0.0)


class RouterMetrics(ApiMetrics):
    """The router's metrics: mlproject's API metrics for its own requests, plus per version.

    The inherited counters and histogram describe what clients of the router see (so the
    same SLO check reads a router and a model service); the additions describe each backend
    version, by role (primary or shadow), and how far a shadow's answers are from the primary's.
    """

    def __init__(self) -> None:
        super().__init__()
        from prometheus_client import Counter, Histogram

        self.upstream = Counter(
            "router_upstream_requests", "Requests sent to a version, by role and status.",
            ["version", "role", "status"], registry=self.registry,
        )
        self.upstream_latency = Histogram(
            "router_upstream_duration_seconds", "Time a version took to answer, by role.",
            ["version", "role"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.difference = Histogram(
            "router_shadow_difference_rentals", "|primary - shadow| prediction, bikes per hour.",
            buckets=(0.5, 1, 2, 5, 10, 20, 50, 100, 200), registry=self.registry,
        )


# The names 04b's per-version checks read (Prometheus adds `_total` to a counter's samples).
UPSTREAM_REQUESTS = "router_upstream_requests_total"
UPSTREAM_LATENCY = "router_upstream_duration_seconds"
SHADOW_DIFFERENCE = "router_shadow_difference_rentals"


def routing_key(headers: Mapping[str, str], body: bytes) -> str:
    """The request's routing key: the `X-Routing-Key` header, else a hash of the body."""
    key = headers.get(ROUTING_KEY_HEADER.lower()) or headers.get(ROUTING_KEY_HEADER)
    return key or hashlib.sha256(body).hexdigest()


def shadow_differences(primary: Any, shadow: Any) -> list[float]:
    """|primary - shadow| for each prediction of two answers (one hour or a batch)."""
    ours, theirs = primary.get("rentals"), shadow.get("rentals")
    pairs = zip(ours, theirs, strict=False) if isinstance(ours, list) else [(ours, theirs)]
    return [abs(a - b) for a, b in pairs
            if isinstance(a, int | float) and isinstance(b, int | float)]


class Forwarder:
    """The router's traffic work: one HTTP client per version, canary choice, shadow copies."""

    def __init__(
        self, backends: Mapping[str, str], splitter: TrafficSplitter, metrics: RouterMetrics,
        *, shadow: str | None = None, timeout: float = 10.0,
    ) -> None:
        missing = sorted(set(splitter.weights) - set(backends))
        if missing or (shadow is not None and shadow not in backends):
            raise RoutingError(
                f"No backend URL for {missing or [shadow]}: give one per version in `backends`."
            )
        self.backends, self.splitter, self.metrics = dict(backends), splitter, metrics
        self.shadow, self.timeout = shadow, timeout
        self.clients: dict[str, httpx.AsyncClient] = {}
        self.pending: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        for version, url in self.backends.items():
            self.clients[version] = httpx.AsyncClient(base_url=url, timeout=self.timeout)

    async def close(self) -> None:
        """Let shadow copies in flight finish, then close the clients."""
        if self.pending:
            await asyncio.gather(*self.pending, return_exceptions=True)
        for client in self.clients.values():
            await client.aclose()

    async def forward(self, version: str, role: str, path: str, body: bytes) -> Any:
        """POST the body to one version; None when it cannot be reached."""
        started = time.perf_counter()
        try:
            response = await self.clients[version].post(
                path, content=body, headers={"content-type": "application/json"}
            )
            status = str(response.status_code)
        except httpx.HTTPError:
            response, status = None, "unreachable"
        self.metrics.upstream.labels(version, role, status).inc()
        self.metrics.upstream_latency.labels(version, role).observe(time.perf_counter() - started)
        return response

    async def mirror(self, path: str, body: bytes, primary: Any) -> None:
        """Send a copy to the shadow version and record how far its answer is."""
        copy = await self.forward(self.shadow, "shadow", path, body)
        if copy is None or copy.status_code != 200 or primary.status_code != 200:
            return
        for difference in shadow_differences(primary.json(), copy.json()):
            self.metrics.difference.observe(difference)

    async def route(self, headers: Mapping[str, str], path: str, body: bytes) -> tuple[str, Any]:
        """The version chosen for this request and its answer (None if unreachable)."""
        version = self.splitter.choose(routing_key(headers, body))
        response = await self.forward(version, "primary", path, body)
        if response is not None and self.shadow is not None and self.shadow != version:
            task = asyncio.create_task(self.mirror(path, body, response))
            self.pending.add(task)
            task.add_done_callback(self.pending.discard)
        return version, response

    async def readiness(self) -> dict[str, bool]:
        """Whether each version answers its /ready with 200."""
        states = {}
        for version, client in self.clients.items():
            try:
                states[version] = (await client.get("/ready")).status_code == 200
            except httpx.HTTPError:
                states[version] = False
        return states


def create_router_app(
    backends: Mapping[str, str],
    splitter: TrafficSplitter,
    *,
    shadow: str | None = None,
    timeout: float = 10.0,
) -> "FastAPI":
    """A gateway in front of model versions: canary split, optional shadow, metrics per version.

    `backends` maps a version to its API's base URL; every version in the splitter needs one.
    With `shadow`, that version also receives a copy of every request; its answers are compared
    with the primary's (metric `router_shadow_difference_rentals`) and never returned.
    """
    from fastapi import FastAPI

    metrics = RouterMetrics()
    forwarder = Forwarder(backends, splitter, metrics, shadow=shadow, timeout=timeout)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await forwarder.open()
        yield
        await forwarder.close()

    app = FastAPI(title="Bike demand router", lifespan=lifespan)
    app.state.metrics = metrics
    _add_routes(app, forwarder, metrics)
    return app


def _add_routes(app: "FastAPI", forwarder: Forwarder, metrics: RouterMetrics) -> None:
    """The router's endpoints: the prediction paths of the API, probes and /metrics."""
    from fastapi import Request, Response
    from fastapi.responses import JSONResponse
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    @app.middleware("http")
    async def observe(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.url.path if request.url.path in ROUTES else "unmatched"
        metrics.observe(request.method, route, response.status_code,
                        time.perf_counter() - started)
        return response

    async def route(request: Request) -> Response:
        version, response = await forwarder.route(
            request.headers, request.url.path, await request.body()
        )
        if response is None:
            return JSONResponse(
                {"detail": f"Version {version} did not answer.", "errors": []}, status_code=502,
                headers={ROUTED_HEADER: version},
            )
        return Response(
            response.content, status_code=response.status_code,
            media_type=response.headers.get("content-type"), headers={ROUTED_HEADER: version},
        )

    for path in PREDICTION_PATHS:
        app.add_api_route(path, route, methods=["POST"])

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready")
    async def ready() -> Response:
        states = await forwarder.readiness()
        status = 200 if states and all(states.values()) else 503
        return JSONResponse({"backends": states}, status_code=status)

    @app.get("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def router_from_env() -> "FastAPI":
    """The uvicorn factory: backends, weights, shadow and salt from environment variables."""
    backends = json.loads(os.environ[BACKENDS_ENV])
    weights = json.loads(os.environ[WEIGHTS_ENV])
    splitter = TrafficSplitter(weights, salt=os.environ.get(SALT_ENV, ""))
    return create_router_app(backends, splitter, shadow=os.environ.get(SHADOW_ENV) or None)


def serve_router(
    backends: Mapping[str, str],
    weights: Mapping[str, float],
    *,
    shadow: str | None = None,
    salt: str = "",
    port: int | None = None,
) -> BackgroundServer:
    """The router under uvicorn on a free port, as a context manager (always stopped)."""
    from mlops_course.serving import uvicorn_command

    TrafficSplitter(weights, salt=salt)  # refuse a bad split here, not inside the server
    env = {
        BACKENDS_ENV: json.dumps(dict(backends)), WEIGHTS_ENV: json.dumps(dict(weights)),
        SHADOW_ENV: shadow or "", SALT_ENV: salt,
    }
    return BackgroundServer(
        uvicorn_command("mlops_course.routing:router_from_env", factory=True), port=port,
        ready_path="/ready", env=env, name="uvicorn (router)",
    )
