"""Service-level objectives from Prometheus metrics: reading `/metrics`, and the check.

    text = httpx.get(api.url + "/metrics").text        # what Prometheus scrapes
    for result in check(text, availability=0.995, latency_seconds=0.1, latency_target=0.95):
        print(result.line())

The service exports its metrics with `mlproject.observability.ApiMetrics` (requests by method,
route and status; a latency histogram by route); this module reads them back, as Prometheus and
its queries would. An SLO is a target on what users feel, measured over a window: "99.5 % of
requests succeed", "95 % of requests answer within 100 ms". The share of failures the target
allows is the *error budget*; while budget remains a team ships changes, when it is spent they
fix reliability. Latency objectives are read from histogram buckets, exactly when the threshold
is a bucket boundary (ApiMetrics' buckets are chosen so that the usual thresholds are).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mlproject.observability import ApiMetrics


class SLOError(ValueError):
    """The metrics text lacks what an objective needs, or an objective is malformed."""


def _metric_names() -> tuple[str, str]:
    """The names ApiMetrics exports its request counter and latency histogram under."""
    metrics = ApiMetrics()
    (requests,) = metrics.requests.describe()
    (latency,) = metrics.latency.describe()
    return f"{requests.name}_total", latency.name


# Read from the class the API uses, so a renamed metric cannot leave these checks behind.
REQUESTS, LATENCY = _metric_names()


@dataclass(frozen=True)
class Sample:
    """One line of the exposition format: a name, its labels and a value."""

    name: str
    labels: dict[str, str]
    value: float


def parse(text: str) -> list[Sample]:
    """Every sample in a Prometheus text exposition (what `/metrics` returns)."""
    from prometheus_client.parser import text_string_to_metric_families

    return [
        Sample(s.name, dict(s.labels), float(s.value))
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]


def _matches(sample: Sample, name: str, labels: dict[str, str]) -> bool:
    return sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())


def total(samples: list[Sample], name: str, **labels: str) -> float:
    """Sum of the samples called `name` whose labels include `labels`."""
    return sum(s.value for s in samples if _matches(s, name, labels))


# Routes that are not user traffic: probes and scrapes must not count towards an SLO.
OPERATIONS = frozenset({"/health", "/ready", "/metrics", "unmatched"})


def _user_route(sample: Sample, route: str | None) -> bool:
    if route is not None:
        return sample.labels.get("route") == route
    return sample.labels.get("route") not in OPERATIONS


def request_counts(samples: list[Sample], route: str | None = None) -> tuple[float, float]:
    """(requests, server errors) on one route, or on every route but probes and scrapes.

    A 5xx status is an error: the service failed. A 4xx is the client's mistake and counts as
    answered (a 401 or 422 is the API doing its job).
    """
    requests = [
        s for s in samples if s.name == REQUESTS and _user_route(s, route)
    ]
    errors = sum(s.value for s in requests if s.labels.get("status", "").startswith("5"))
    return sum(s.value for s in requests), errors


def buckets(
    samples: list[Sample], name: str, *, route: str | None = None, **labels: str
) -> list[tuple[float, float]]:
    """A histogram's cumulative buckets `(upper bound, count)`, summed over other labels.

    Samples with a `route` label are kept when they are user traffic (see `request_counts`).
    """
    found: dict[float, float] = {}
    for s in samples:
        if "route" in s.labels and not _user_route(s, route):
            continue
        if _matches(s, f"{name}_bucket", labels):
            bound = float(s.labels["le"])
            found[bound] = found.get(bound, 0.0) + s.value
    if not found:
        raise SLOError(f"No histogram called {name!r} with labels {labels} in the metrics.")
    return sorted(found.items())


def histogram_quantile(q: float, cumulative: list[tuple[float, float]]) -> float:
    """The q-quantile (0-1) of a histogram, interpolated inside its bucket like PromQL does.

    Returns the upper bound of the last finite bucket when the quantile falls in `+Inf`, and
    NaN for an empty histogram.
    """
    if not 0 <= q <= 1:
        raise SLOError(f"q is a fraction between 0 and 1, got {q}.")
    cumulative = sorted(cumulative)
    count = cumulative[-1][1]
    if count == 0:
        return math.nan
    rank = q * count
    lower_bound, lower_count = 0.0, 0.0
    for bound, seen in cumulative:
        if seen >= rank:
            if math.isinf(bound):
                return lower_bound
            if seen == lower_count:
                return bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (seen - lower_count)
        lower_bound, lower_count = bound, seen
    return lower_bound


def share_within(cumulative: list[tuple[float, float]], threshold: float) -> float:
    """Share of observations at or below `threshold`, which must be a bucket boundary."""
    cumulative = sorted(cumulative)
    count = cumulative[-1][1]
    for bound, seen in cumulative:
        if math.isclose(bound, threshold):
            return seen / count if count else math.nan
    bounds = ", ".join(f"{b:g}" for b, _ in cumulative if not math.isinf(b))
    raise SLOError(
        f"{threshold:g} s is not a bucket boundary, so the share of requests under it cannot be "
        f"read exactly. Use one of: {bounds}."
    )


@dataclass(frozen=True)
class SLOResult:
    """One objective's verdict: target, what was measured, and how much error budget is left."""

    name: str
    target: float
    actual: float
    events: float

    @property
    def ok(self) -> bool:
        return not math.isnan(self.actual) and self.actual >= self.target

    @property
    def budget_left(self) -> float:
        """Share of the error budget still unspent (1 = untouched, 0 = spent, < 0 = overspent)."""
        allowed = 1 - self.target
        if math.isnan(self.actual) or allowed <= 0:
            return math.nan
        return 1 - (1 - self.actual) / allowed

    def line(self) -> str:
        verdict = "ok  " if self.ok else "FAIL"
        return (
            f"{verdict} {self.name}: {self.actual:.2%} (target {self.target:.2%}, "
            f"{self.events:.0f} requests, error budget left {self.budget_left:.0%})"
        )


def check(
    text: str,
    *,
    availability: float = 0.995,
    latency_seconds: float = 0.1,
    latency_target: float = 0.95,
    route: str | None = None,
) -> list[SLOResult]:
    """Availability (share of non-5xx answers) and latency (share within a threshold) SLOs.

    Counted on `route`, or on every route except health and readiness probes and scrapes.
    """
    samples = parse(text)
    requests, errors = request_counts(samples, route)
    if requests == 0:
        raise SLOError("The metrics hold no answered requests yet: send traffic, then check.")
    within = share_within(
        buckets(samples, LATENCY, route=route), latency_seconds
    )
    return [
        SLOResult("availability", availability, 1 - errors / requests, requests),
        SLOResult(f"latency <= {latency_seconds * 1000:g} ms", latency_target, within, requests),
    ]
