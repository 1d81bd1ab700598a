"""Deployment on paper and on this machine: the template's manifests, read, rendered and checked.

The manifests are the template's (`project_template/deploy/`); this module only teaches with
them and tests them, offline, without a cluster:

    docs = deploy.render("staging")                      # the overlay, as kustomize would build it
    deploy.schema_problems(docs)                         # Kubernetes schemas (kubernetes-validate)
    deploy.probe_problems(docs, deploy.app_routes())     # probes hit routes the app really has
    deploy.cloud_run_cost(deploy.load(CLOUD_RUN), rate=2.0, seconds_per_request=0.05)
    with deploy.footprint(server.process.pid) as usage: ...   # peak RSS and CPU of a service

kustomize itself is not installed here, so `render` implements the small part of it that the
template's kustomizations use (resources, namespace, labels, images by digest, strategic-merge
patches of named list items) and refuses any other field; the tests compare it with
`kubectl kustomize` wherever kubectl is installed.
"""

from __future__ import annotations

import copy
import math
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlops_course import settings

DEPLOY_DIR = settings.TEMPLATE_DIR / "deploy"
KUBERNETES_DIR = DEPLOY_DIR / "kubernetes"
CLOUD_RUN = DEPLOY_DIR / "cloudrun" / "service.yaml"
OVERLAYS = ("staging", "production")
KUBERNETES_VERSION = "1.33.0"  # oldest minor the manifests must run on (HPA v2, probes)
IMAGE_NAME = "mlproject-serve"  # the placeholder image name that kustomize's `images` rewrites
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")

# Fields of a kustomization.yaml that `render` implements; any other is refused, so a new field
# in a template overlay fails the tests instead of being silently ignored.
KUSTOMIZE_FIELDS = {
    "apiVersion", "kind", "resources", "namespace", "labels", "images", "patches",
}


class DeployError(RuntimeError):
    """A manifest or kustomization the course cannot read; the message says which and why."""


def load(path: str | Path) -> list[dict[str, Any]]:
    """Every YAML document of a file (empty documents dropped)."""
    with Path(path).open() as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


# --- kustomize, the part the template uses --------------------------------------------------


def _merge(base: Any, patch: Any) -> Any:
    """Strategic merge as kustomize applies it to the fields the template patches.

    Maps merge key by key; lists of maps that all carry `name` (containers, ports, env) merge
    item by item on that key; any other value, lists included, is replaced by the patch's.
    """
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    named = (
        isinstance(base, list) and isinstance(patch, list)
        and all(isinstance(item, dict) and "name" in item for item in base + patch)
    )
    if named:
        merged_list = [copy.deepcopy(item) for item in base]
        index = {item["name"]: i for i, item in enumerate(merged_list)}
        for item in patch:
            if item["name"] in index:
                merged_list[index[item["name"]]] = _merge(merged_list[index[item["name"]]], item)
            else:
                merged_list.append(copy.deepcopy(item))
        return merged_list
    return copy.deepcopy(patch)


def _matches(doc: Mapping[str, Any], target: Mapping[str, Any]) -> bool:
    return (doc.get("kind") == target.get("kind")
            and doc["metadata"]["name"] == target.get("metadata", {}).get("name"))


def _set_image(doc: dict[str, Any], images: list[Mapping[str, str]]) -> None:
    spec = doc.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    for container in pod.get("containers", []) + pod.get("initContainers", []):
        for image in images:
            if container["image"].split("@")[0].split(":")[0] == image["name"]:
                name = image.get("newName", image["name"])
                suffix = f"@{image['digest']}" if "digest" in image else f":{image['newTag']}"
                container["image"] = name + suffix


def _add_labels(doc: dict[str, Any], labels: Mapping[str, str], selectors: bool) -> None:
    doc["metadata"].setdefault("labels", {}).update(labels)
    if not selectors:
        return
    spec = doc.get("spec", {})
    if doc["kind"] == "Service":
        spec.setdefault("selector", {}).update(labels)
    elif "template" in spec:
        spec.setdefault("selector", {}).setdefault("matchLabels", {}).update(labels)
        spec["template"].setdefault("metadata", {}).setdefault("labels", {}).update(labels)


def render(overlay: str | Path, root: Path = KUBERNETES_DIR) -> list[dict[str, Any]]:
    """Build a kustomization folder (an overlay name or a path) into its list of objects."""
    folder = Path(overlay) if Path(overlay).is_dir() else root / "overlays" / str(overlay)
    file = folder / "kustomization.yaml"
    if not file.is_file():
        raise DeployError(f"No kustomization.yaml in {folder}.")
    spec = yaml.safe_load(file.read_text())
    unknown = set(spec) - KUSTOMIZE_FIELDS
    if unknown:
        raise DeployError(f"{file}: fields {sorted(unknown)} are not implemented by "
                          "mlops_course.deploy.render; add them there, with a test.")
    docs: list[dict[str, Any]] = []
    for entry in spec.get("resources", []):
        path = (folder / entry).resolve()
        docs += render(path, root) if path.is_dir() else load(path)
    for patch in spec.get("patches", []):
        body = yaml.safe_load((folder / patch["path"]).read_text())
        target = patch.get("target") or body
        hits = [i for i, doc in enumerate(docs) if _matches(doc, target)]
        if len(hits) != 1:
            raise DeployError(f"{file}: patch {patch['path']} matches {len(hits)} objects; "
                              "it must match exactly one (kind and metadata.name).")
        docs[hits[0]] = _merge(docs[hits[0]], body)
    for doc in docs:
        if "namespace" in spec:
            doc["metadata"]["namespace"] = spec["namespace"]
        for label in spec.get("labels", []):
            _add_labels(doc, label["pairs"], label.get("includeSelectors", False))
        _set_image(doc, spec.get("images", []))
    return docs


def canary_share(canary_pods: int, stable_pods: int) -> float:
    """The canary's share of traffic when a Service spreads it evenly over ready pods."""
    return canary_pods / (canary_pods + stable_pods)


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The objects of one kind, in order."""
    return [doc for doc in docs if doc["kind"] == kind]


# --- schemas ----------------------------------------------------------------------------------

# Knative Serving's `Service` (serving.knative.dev/v1), the object Cloud Run reads. Knative ships
# its schema inside a CRD, in no Python package; this is the part the template uses, written
# from Knative's API specification (docs/serving/spec/knative-api-specification-1.0 and the
# serving.knative.dev/v1 API reference): Service -> spec.template (a Revision template) ->
# RevisionSpec, whose containers are Kubernetes containers and are checked with Kubernetes' own
# Container schema from kubernetes-validate. Every object here is closed (no unknown field), so a
# misspelt `containerConcurrency` fails.
_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_DNS_LABEL = "^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"  # a service name, as Knative and Cloud Run want
KNATIVE_SERVICE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "serving.knative.dev/v1"},
        "kind": {"const": "Service"},
        "metadata": {
            "type": "object", "required": ["name"], "additionalProperties": False,
            "properties": {"name": {"type": "string", "pattern": _DNS_LABEL},
                           "namespace": {"type": "string"}, "labels": _STRING_MAP,
                           "annotations": _STRING_MAP},
        },
        "spec": {
            "type": "object", "required": ["template"], "additionalProperties": False,
            "properties": {
                "template": {
                    "type": "object", "required": ["spec"], "additionalProperties": False,
                    "properties": {
                        "metadata": {
                            "type": "object", "additionalProperties": False,
                            "properties": {"name": {"type": "string"}, "labels": _STRING_MAP,
                                           "annotations": _STRING_MAP},
                        },
                        "spec": {
                            "type": "object", "required": ["containers"],
                            "additionalProperties": False,
                            "properties": {
                                "containerConcurrency": {"type": "integer", "minimum": 0,
                                                         "maximum": 1000},
                                "timeoutSeconds": {"type": "integer", "minimum": 0},
                                "serviceAccountName": {"type": "string"},
                                "containers": {"type": "array", "minItems": 1, "maxItems": 10,
                                               "items": {"$ref": "#/$defs/container"}},
                            },
                        },
                    },
                },
                "traffic": {
                    "type": "array",
                    "items": {
                        "type": "object", "required": ["percent"], "additionalProperties": False,
                        "properties": {"revisionName": {"type": "string"},
                                       "latestRevision": {"type": "boolean"},
                                       "percent": {"type": "integer", "minimum": 0, "maximum": 100},
                                       "tag": {"type": "string"}},
                    },
                },
            },
        },
    },
}


def _kubernetes_schema_dir() -> Path:
    import kubernetes_validate

    return (Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
            / f"v{KUBERNETES_VERSION}-local-strict")


def knative_problems(doc: Mapping[str, Any]) -> list[str]:
    """Where a Knative Service breaks the schema above (containers: Kubernetes' own schema)."""
    import jsonschema
    from referencing import Registry, Resource

    folder = _kubernetes_schema_dir()
    container = {"$ref": (folder / "container-v1.json").as_uri()}
    schema = {**KNATIVE_SERVICE_SCHEMA, "$defs": {"container": container}}

    def retrieve(uri: str) -> Resource:  # local files only: nothing is downloaded
        path = folder / Path(uri.split("#")[0]).name
        import json

        return Resource.from_contents(json.loads(path.read_text()))

    validator = jsonschema.Draft202012Validator(schema, registry=Registry(retrieve=retrieve))
    return [f"{'/'.join(map(str, err.absolute_path)) or '(top)'}: {err.message}"
            for err in sorted(validator.iter_errors(dict(doc)), key=str)]


def schema_problems(docs: list[Mapping[str, Any]]) -> list[str]:
    """Every object checked against its schema, offline: Kubernetes' (strict) or Knative's."""
    import kubernetes_validate

    problems = []
    for doc in docs:
        name = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
        if str(doc.get("apiVersion", "")).startswith("serving.knative.dev/"):
            problems += [f"{name}: {p}" for p in knative_problems(doc)]
            continue
        try:
            kubernetes_validate.validate(dict(doc), KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as err:
            where = "/".join(map(str, err.path)) or "(top)"
            problems.append(f"{name}: {where}: {err.message}")
    return problems


# --- the app the probes point at ----------------------------------------------------------------


def app_routes() -> dict[str, set[str]]:
    """Path -> HTTP methods of mlproject's FastAPI app, from its OpenAPI document.

    The app is built, not started, so no model loads. (OpenAPI lists the documented routes,
    the probes' among them; `/metrics` is left out of it on purpose.)
    """
    from mlproject import api

    app = api.create_app(loader=lambda _settings: None)
    return {path: {method.upper() for method in item}
            for path, item in app.openapi()["paths"].items()}


def dockerfile_port(path: str | Path = settings.TEMPLATE_DIR / "docker" / "serve.Dockerfile"
                    ) -> int:
    """The port the serving image listens on: its MLPROJECT_PORT, which `EXPOSE` must repeat."""
    from dockerfile_parse import DockerfileParser

    parser = DockerfileParser(str(path))
    port = int(parser.envs["MLPROJECT_PORT"])
    exposed = {int(p.split("/")[0]) for i in parser.structure if i["instruction"] == "EXPOSE"
               for p in i["value"].split()}
    if port not in exposed:
        raise DeployError(f"{path}: MLPROJECT_PORT={port} but EXPOSE says {sorted(exposed)}.")
    return port


def _containers(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    spec = doc.get("spec", {})
    return spec.get("template", {}).get("spec", {}).get("containers", [])


def probe_problems(docs: list[Mapping[str, Any]], routes: Mapping[str, set[str]],
                   port: int) -> list[str]:
    """Probes must GET routes the app has, on the port it listens on, with the course's split.

    Readiness on `/ready` (a model is loaded: stop sending traffic until then), liveness on
    `/health` (the process answers: a failed model load must not restart it, sprint 03).
    """
    problems = []
    for doc in docs:
        # Cloud Run (Knative) has no readiness probe: its startup probe gates traffic instead.
        gate = "startupProbe" if doc["apiVersion"].startswith("serving.knative.dev/") else (
            "readinessProbe")
        expected = {gate: "/ready", "livenessProbe": "/health"}
        for container in _containers(doc):
            name = f"{doc['kind']}/{doc['metadata']['name']}/{container.get('name', 'container')}"
            ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
            for probe, path in expected.items():
                got = container.get(probe, {}).get("httpGet")
                if not got:
                    problems.append(f"{name}: no {probe} with httpGet")
                    continue
                if got["path"] != path or "GET" not in routes.get(got["path"], set()):
                    problems.append(f"{name}: {probe} GETs {got['path']}; expected {path}, "
                                    f"a GET route of the app")
                target = got.get("port", port)
                target = ports.get(target, target)
                if target != port:
                    problems.append(f"{name}: {probe} on port {target}, the app listens on {port}")
    return problems


# --- cost, with sprint 02's formula -------------------------------------------------------------

SECONDS_PER_MONTH = 30 * 24 * 3600
# Illustrative list prices (sprint 02's, of the kind providers publish; they change).
PRICES = {"vcpu_second": 0.000024, "gib_second": 0.0000025, "per_million_requests": 0.40}


def quantity(value: str | int | float) -> float:
    """A Kubernetes quantity as a number: CPUs ('500m' -> 0.5) or GiB ('512Mi' -> 0.5)."""
    text = str(value)
    units = {"m": 1e-3, "Ki": 2**-20, "Mi": 2**-10, "Gi": 1.0, "M": 1e6 / 2**30,
             "G": 1e9 / 2**30}
    for suffix, factor in sorted(units.items(), key=lambda kv: -len(kv[0])):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


@dataclass
class CloudRunBill:
    """A month of a Cloud Run service at a steady Poisson rate, on sprint 02's formula."""

    vcpu: float
    gib: float
    concurrency: int
    min_instances: int
    max_instances: int
    busy_share: float           # 1 - exp(-rate x duration): time with a request in flight
    in_flight: float            # Little's law: rate x duration, requests at once on average
    request_fee: float
    busy_cost: float
    idle_floor_cost: float      # min instances kept warm, billed all month (an upper bound)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return self.request_fee + max(self.busy_cost, self.idle_floor_cost)


def cloud_run_settings(doc: Mapping[str, Any]) -> dict[str, Any]:
    """CPU, memory, concurrency and scale bounds of a Knative Service, as Cloud Run reads them."""
    template = doc["spec"]["template"]
    annotations = template.get("metadata", {}).get("annotations", {})
    limits = template["spec"]["containers"][0]["resources"]["limits"]
    return {
        "vcpu": quantity(limits["cpu"]), "gib": quantity(limits["memory"]),
        "concurrency": int(template["spec"].get("containerConcurrency", 80)),
        "min_instances": int(annotations.get("autoscaling.knative.dev/minScale", 0)),
        "max_instances": int(annotations.get("autoscaling.knative.dev/maxScale", 100)),
    }


def cloud_run_cost(doc: Mapping[str, Any], *, rate: float, seconds_per_request: float,
                   prices: Mapping[str, float] = PRICES) -> CloudRunBill:
    """Sprint 02's request-billed cost applied to the service YAML's own CPU, memory and scale.

    Billed time is the time with at least one request in flight: a share 1 - exp(-rate x s) of
    the month for Poisson arrivals (sprint 02, section 6). Minimum instances are billed as if
    always on, which bounds that part from above.
    """
    cfg = cloud_run_settings(doc)
    per_instance_second = cfg["vcpu"] * prices["vcpu_second"] + cfg["gib"] * prices["gib_second"]
    in_flight = rate * seconds_per_request
    busy = 1 - math.exp(-in_flight)
    bill = CloudRunBill(
        **cfg, busy_share=busy, in_flight=in_flight,
        request_fee=rate * SECONDS_PER_MONTH / 1e6 * prices["per_million_requests"],
        busy_cost=busy * SECONDS_PER_MONTH * per_instance_second,
        idle_floor_cost=cfg["min_instances"] * SECONDS_PER_MONTH * per_instance_second,
    )
    if in_flight > 0.5 * cfg["concurrency"]:
        bill.notes.append("requests overlap enough for several instances: the one-instance "
                          "formula underestimates the bill")
    if in_flight > cfg["concurrency"] * cfg["max_instances"]:
        bill.notes.append("more requests in flight than max instances x concurrency can hold")
    return bill


# --- what a running service uses -----------------------------------------------------------------


@dataclass
class Footprint:
    """Peak resident memory and CPU time of a process and its children, sampled."""

    pid: int
    peak_rss_mb: float = 0.0
    cpu_seconds: float = 0.0
    samples: int = 0


@contextmanager
def footprint(pid: int, interval: float = 0.05) -> Iterator[Footprint]:
    """Sample a process tree's RSS every `interval` s while the block runs; CPU s over the block."""
    import psutil

    root = psutil.Process(pid)
    usage = Footprint(pid)
    stop = threading.Event()

    def tree() -> list[psutil.Process]:
        return [root, *root.children(recursive=True)]

    def cpu() -> float:
        return sum(sum(p.cpu_times()[:2]) for p in tree())

    def sample() -> None:
        while not stop.is_set():
            usage.peak_rss_mb = max(usage.peak_rss_mb,
                                    sum(p.memory_info().rss for p in tree()) / 2**20)
            usage.samples += 1
            time.sleep(interval)

    start = cpu()
    thread = threading.Thread(target=sample, name="footprint", daemon=True)
    thread.start()
    try:
        yield usage
    finally:
        stop.set()
        thread.join()
        usage.cpu_seconds = cpu() - start


def serve_like_the_image(*, ready_path: str = "/ready", ready_timeout: float = 120.0,
                         env: Mapping[str, str] | None = None) -> Any:
    """`python -m mlproject serve`, the serving image's own CMD, on a free port (always stopped).

    It serves the course store's champion, as the image serves its registry's; the footprint
    measured on it is the one the manifests' resources are sized from. `env` overrides
    variables (another model name, to see a failed load); `ready_path="/health"` returns as
    soon as the process answers.
    """
    from mlops_course import serving
    from mlops_course.servers import BackgroundServer, python_command

    variables = {**serving.settings_env(serving.project_settings()), **(env or {})}
    return BackgroundServer(
        python_command("mlproject", "serve", "--host", "127.0.0.1", "--port", "{port}"),
        ready_path=ready_path, ready_timeout=ready_timeout, env=variables,
        name="mlproject serve")
