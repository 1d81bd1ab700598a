"""Smoke test of a deployed API: is it up, is a model loaded, does one prediction work?

    python deploy/smoke.py https://staging.example.org [--timeout 300]

What CD runs against staging after each deployment, and what you can run against
`make serve` on your laptop. It waits for /ready (a new pod loads its model first), then
predicts the example hour that the API publishes in its own OpenAPI document, so the test
needs no copy of the schema. Standard library only. Exit code 0 when every check passes.
`MLPROJECT_API_KEY` in the environment is sent as the API key.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import urllib.error
import urllib.request
from typing import Any

API_KEY_HEADER = "X-API-Key"
VERSION_HEADER = "X-Model-Version"


class SmokeError(RuntimeError):
    """A check failed; the message says which and what came back."""


def call(url: str, body: Any = None, timeout: float = 10.0) -> tuple[int, dict, Any]:
    """GET (or POST `body` as JSON) and return status, headers and the decoded JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    request.add_header("Content-Type", "application/json")
    if os.environ.get("MLPROJECT_API_KEY"):
        request.add_header(API_KEY_HEADER, os.environ["MLPROJECT_API_KEY"])
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, dict(reply.headers), json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read() or b"null")


def wait_ready(base: str, timeout: float) -> dict:
    """Poll /ready until it answers 200 (the model is loaded) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    last: Any = "no answer"
    while time.monotonic() < deadline:
        try:
            status, _, answer = call(base + "/ready")
            if status == 200:
                return answer
            last = f"{status} {answer}"
        except (urllib.error.URLError, OSError) as err:  # not listening yet
            last = str(err)
        time.sleep(2)
    raise SmokeError(f"/ready did not answer 200 within {timeout:.0f} s; last: {last}")


def example_record(base: str) -> dict:
    """The example hour of the request schema, as the running API documents it."""
    _, _, spec = call(base + "/openapi.json")
    schema = spec["components"]["schemas"]["HourRecord"]
    examples = schema.get("examples") or [schema.get("example")]
    if not examples or not examples[0]:
        raise SmokeError("the API's OpenAPI document has no example for HourRecord")
    return examples[0]


def run(base: str, timeout: float = 300.0) -> list[str]:
    """Every check, in order; returns what passed, raises SmokeError at the first failure."""
    base = base.rstrip("/")
    passed = []
    status, _, health = call(base + "/health")
    if status != 200:
        raise SmokeError(f"/health answered {status} {health}; expected 200")
    passed.append("/health 200")
    ready = wait_ready(base, timeout)
    passed.append(f"/ready 200: {ready['model_name']} v{ready['model_version']}")
    status, headers, answer = call(base + "/v1/predict", example_record(base))
    if status != 200:
        raise SmokeError(f"/v1/predict answered {status} {answer}; expected 200")
    rentals = answer.get("rentals")
    if not isinstance(rentals, int | float) or not math.isfinite(rentals) or rentals < 0:
        raise SmokeError(f"/v1/predict returned rentals={rentals!r}; expected a number >= 0")
    if answer.get("model_version") != ready["model_version"]:
        raise SmokeError(
            f"answered by version {answer.get('model_version')}, "
            f"but /ready says {ready['model_version']}"
        )
    version = {k.lower(): v for k, v in headers.items()}.get(VERSION_HEADER.lower())
    passed.append(f"/v1/predict 200: {rentals:.1f} bikes, {VERSION_HEADER}: {version}")
    status, _, _ = call(base + "/v1/predict", {"hr": "not an hour"})
    if status != 422:
        raise SmokeError(f"an invalid request got {status}; expected 422")
    passed.append("invalid request 422")
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="base URL of the API, e.g. http://127.0.0.1:8000")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for /ready")
    args = parser.parse_args(argv)
    try:
        for line in run(args.url, args.timeout):
            print("ok", line)
    except SmokeError as err:
        print("FAILED", err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
