"""The template's deployment files (`project_template/deploy/`), checked offline.

Every rendered object is validated against the Kubernetes schemas that kubernetes-validate
ships (strict: unknown fields fail) or, for the Cloud Run service, against Knative's Service
as `mlops_course.deploy` restates it. The overlays are rendered by `deploy.render`, compared
with `kubectl kustomize` where kubectl is installed. The probes are checked against the routes
of mlproject's app and the port of the serving image, and the smoke test runs against the real
API under uvicorn. Each check is also shown to fail on a broken copy.
"""

from __future__ import annotations

import copy
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from mlops_course import deploy, settings

from .conftest import restored_environment

RELEASE = settings.TEMPLATE_DIR / "deploy" / "release.py"
SMOKE = settings.TEMPLATE_DIR / "deploy" / "smoke.py"
NOTEBOOK_04B = settings.SPRINTS_DIR / "04-serving" / "04b-deployments-slos-and-ab-tests.ipynb"
DIGEST = "sha256:" + "ab12" * 16
ZEROS = "sha256:" + "0" * 64


def rendered() -> dict[str, list[dict]]:
    return {overlay: deploy.render(overlay) for overlay in deploy.OVERLAYS}


def workloads(docs: list[dict]) -> list[dict]:
    return deploy.by_kind(docs, "Deployment")


def release(tmp_path: Path, environment: str, *extra: str) -> Path:
    folder = tmp_path / environment
    subprocess.run([sys.executable, str(RELEASE), environment, "example.org/team/mlproject-serve",
                    DIGEST, "--output", str(folder), *extra], check=True, capture_output=True)
    return folder


# --- rendering --------------------------------------------------------------------------------


def test_the_overlays_render_to_the_objects_each_environment_needs():
    docs = rendered()
    kinds = {name: sorted((d["kind"], d["metadata"]["name"]) for d in objs)
             for name, objs in docs.items()}
    base = [("ConfigMap", "mlproject-config"), ("Deployment", "mlproject"),
            ("HorizontalPodAutoscaler", "mlproject"), ("Service", "mlproject")]
    assert kinds["staging"] == base
    assert kinds["production"] == sorted([*base, ("Deployment", "mlproject-canary")])
    for name, objs in docs.items():
        assert {d["metadata"]["namespace"] for d in objs} == {f"mlproject-{name}"}


@pytest.mark.parametrize("overlay", deploy.OVERLAYS)
def test_render_agrees_with_kubectl_kustomize(overlay):
    kubectl = shutil.which("kubectl")
    if not kubectl:
        pytest.skip("kubectl is not installed; deploy.render's own tests below still run")
    folder = deploy.KUBERNETES_DIR / "overlays" / overlay
    built = subprocess.run([kubectl, "kustomize", str(folder)],
                           check=True, capture_output=True, text=True).stdout
    key = lambda doc: (doc["kind"], doc["metadata"]["name"])  # noqa: E731
    theirs = sorted((d for d in yaml.safe_load_all(built) if d), key=key)
    assert sorted(deploy.render(overlay), key=key) == theirs


def test_render_refuses_what_it_does_not_implement(tmp_path):
    (tmp_path / "kustomization.yaml").write_text(
        "resources: []\nnamePrefix: dev-\nconfigMapGenerator: []\n")
    with pytest.raises(deploy.DeployError, match="configMapGenerator.*namePrefix"):
        deploy.render(tmp_path)


def test_a_patch_whose_target_is_missing_fails_instead_of_doing_nothing(tmp_path):
    (tmp_path / "patch.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: mlproject-typo\n")
    base = os.path.relpath(deploy.KUBERNETES_DIR / "base", tmp_path)
    (tmp_path / "kustomization.yaml").write_text(
        f"resources: [{base}]\npatches:\n  - path: patch.yaml\n")
    with pytest.raises(deploy.DeployError, match="matches 0 objects"):
        deploy.render(tmp_path)


def test_a_patch_merges_containers_by_name_and_replaces_other_lists():
    base = {"spec": {"containers": [{"name": "api", "image": "a", "args": ["x", "y"]},
                                    {"name": "side", "image": "s"}], "tags": [1, 2]}}
    patch = {"spec": {"containers": [{"name": "api", "args": ["z"]}], "tags": [3]}}
    merged = deploy._merge(base, patch)
    assert merged["spec"]["containers"] == [{"name": "api", "image": "a", "args": ["z"]},
                                            {"name": "side", "image": "s"}]
    assert merged["spec"]["tags"] == [3]
    assert base["spec"]["containers"][0]["args"] == ["x", "y"]  # the input is left alone


# --- schemas ----------------------------------------------------------------------------------


def test_every_object_passes_the_kubernetes_schemas_offline():
    for overlay, docs in rendered().items():
        assert deploy.schema_problems(docs) == [], overlay


def test_the_cloud_run_service_passes_knatives_service_schema():
    assert deploy.schema_problems(deploy.load(deploy.CLOUD_RUN)) == []


def test_the_kubernetes_check_fails_on_a_misspelt_field_and_a_wrong_type():
    docs = deploy.render("production")
    broken = copy.deepcopy(docs)
    container = workloads(broken)[0]["spec"]["template"]["spec"]["containers"][0]
    container["readinessProbe"]["httpGet"]["paht"] = "/ready"
    hpa = deploy.by_kind(broken, "HorizontalPodAutoscaler")[0]
    hpa["spec"]["minReplicas"] = "four"
    problems = " | ".join(deploy.schema_problems(broken))
    assert "paht" in problems and "four" in problems, problems


@pytest.mark.parametrize(("where", "value", "expected"), [
    (("spec", "template", "spec", "containerConcurency"), 4, "containerConcurency"),
    (("spec", "template", "spec", "containerConcurrency"), 5000, "5000"),
    (("spec", "template", "spec", "containers", 0, "resources", "limits", "cpu"), [1], "[1]"),
    (("spec", "traffic"), [{"percent": 120, "latestRevision": True}], "120"),
])
def test_the_knative_check_fails_on_each_kind_of_mistake(where, value, expected):
    doc = copy.deepcopy(deploy.load(deploy.CLOUD_RUN)[0])
    node = doc
    for step in where[:-1]:
        node = node[step]
    node[where[-1]] = value
    problems = " | ".join(deploy.knative_problems(doc))
    assert expected in problems, problems


# --- what the pods run, and how -----------------------------------------------------------------


def test_probes_ask_the_apps_own_routes_on_the_images_port():
    routes, port = deploy.app_routes(), deploy.dockerfile_port()
    assert port == 8000 and {"/health", "/ready"} <= set(routes)
    for docs in [*rendered().values(), deploy.load(deploy.CLOUD_RUN)]:
        assert deploy.probe_problems(docs, routes, port) == []


def test_the_probe_check_catches_swapped_paths_a_wrong_port_and_a_missing_route():
    docs = copy.deepcopy(deploy.render("staging"))
    container = workloads(docs)[0]["spec"]["template"]["spec"]["containers"][0]
    container["readinessProbe"]["httpGet"]["path"] = "/health"  # must mean "model loaded"
    container["livenessProbe"]["httpGet"]["port"] = 8080
    problems = deploy.probe_problems(docs, deploy.app_routes(), deploy.dockerfile_port())
    assert any("readinessProbe GETs /health" in p for p in problems), problems
    assert any("port 8080" in p for p in problems), problems
    routes = {path: methods for path, methods in deploy.app_routes().items() if path != "/ready"}
    problems = deploy.probe_problems(deploy.render("staging"), routes, deploy.dockerfile_port())
    assert any("/ready" in p for p in problems), problems


def test_the_probed_routes_behave_as_the_course_teaches_before_a_model_loads():
    """/health answers while the model is missing; /ready refuses traffic (sprint 03)."""
    from fastapi.testclient import TestClient
    from mlproject import api

    def failing_loader(_settings):
        raise RuntimeError("no model in this registry")

    with TestClient(api.create_app(loader=failing_loader)) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/ready").status_code == 503


def test_every_pod_runs_unprivileged_on_a_read_only_root_with_its_image_pinned_by_digest():
    for docs in [*rendered().values(), deploy.load(deploy.CLOUD_RUN)]:
        for doc in docs:
            for container in deploy._containers(doc):
                assert deploy.DIGEST.search(container["image"]), container["image"]
            if doc["kind"] != "Deployment":
                continue
            pod = doc["spec"]["template"]["spec"]
            assert pod["securityContext"]["runAsNonRoot"] is True
            assert pod["securityContext"]["runAsUser"] == 10001  # the image's USER
            (container,) = pod["containers"]
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
            # The only place the app writes (the request log, MLflow downloads) is a volume.
            assert [m["mountPath"] for m in container["volumeMounts"]] == ["/tmp"]
            env = {e["name"]: e for e in container.get("env", [])}
            assert "MLPROJECT_API_KEY" in env and "value" not in env["MLPROJECT_API_KEY"]


def test_the_image_runs_as_the_user_the_manifests_name_and_writes_the_log_under_tmp():
    from dockerfile_parse import DockerfileParser

    parser = DockerfileParser(str(settings.TEMPLATE_DIR / "docker" / "serve.Dockerfile"))
    users = [i["value"] for i in parser.structure if i["instruction"] == "USER"]
    assert users[-1] == "10001:10001"
    assert parser.envs["MLPROJECT_PREDICTIONS_LOG"].startswith("/tmp/")


def test_requests_fit_within_limits_and_the_service_reaches_every_track():
    for docs in rendered().values():
        for doc in workloads(docs):
            resources = doc["spec"]["template"]["spec"]["containers"][0]["resources"]
            for what in ("cpu", "memory"):
                assert (deploy.quantity(resources["requests"][what])
                        <= deploy.quantity(resources["limits"][what]))
        (service,) = deploy.by_kind(docs, "Service")
        for doc in workloads(docs):
            labels = doc["spec"]["template"]["metadata"]["labels"]
            assert service["spec"]["selector"].items() <= labels.items(), doc["metadata"]["name"]


def test_the_canary_is_the_stable_deployment_but_for_its_name_track_replicas_and_image():
    stable, canary = (next(d for d in workloads(deploy.render("production"))
                           if d["metadata"]["name"] == name)
                      for name in ("mlproject", "mlproject-canary"))
    def strip(doc):
        doc = copy.deepcopy(doc)
        doc["metadata"]["name"] = "x"
        doc["metadata"]["labels"].pop("track", None)
        doc["spec"].pop("replicas", None)
        for where in (doc["spec"]["selector"]["matchLabels"],
                      doc["spec"]["template"]["metadata"]["labels"]):
            where.pop("track")
        doc["spec"]["template"]["spec"]["containers"][0].pop("image")
        return doc
    assert strip(stable) == strip(canary)
    assert stable["spec"]["selector"]["matchLabels"]["track"] == "stable"
    assert canary["spec"]["selector"]["matchLabels"]["track"] == "canary"


def test_the_canarys_share_of_pods_is_the_share_04b_routes_to_the_new_version():
    docs = deploy.render("production")
    (hpa,) = deploy.by_kind(docs, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "mlproject"  # the stable track only
    canary = next(d for d in workloads(docs) if d["metadata"]["name"] == "mlproject-canary")
    share = deploy.canary_share(canary["spec"]["replicas"], hpa["spec"]["minReplicas"])
    cells = json.loads(NOTEBOOK_04B.read_text())["cells"]
    parameters = next(c for c in cells if "parameters" in c["metadata"].get("tags", []))
    namespace: dict = {}
    exec("".join(parameters["source"]), namespace)
    assert math.isclose(share, namespace["CANARY"])
    # Scaling the stable track up only dilutes the canary.
    assert deploy.canary_share(1, hpa["spec"]["maxReplicas"]) < share


# --- the release and the smoke test, for real ---------------------------------------------------


@pytest.mark.parametrize("environment", deploy.OVERLAYS)
def test_a_release_pins_every_container_to_the_pushed_digest(tmp_path, environment):
    docs = deploy.render(release(tmp_path, environment))
    images = {c["image"] for d in docs for c in deploy._containers(d)}
    assert images == {f"example.org/team/mlproject-serve@{DIGEST}"}
    assert deploy.schema_problems(docs) == []


def test_a_release_can_give_the_canary_another_version(tmp_path):
    other = "sha256:" + "cd34" * 16
    docs = deploy.render(release(tmp_path, "production", "--canary-digest", other))
    images = {d["metadata"]["name"]: deploy._containers(d)[0]["image"] for d in workloads(docs)}
    assert images["mlproject"].endswith(DIGEST) and images["mlproject-canary"].endswith(other)


@pytest.mark.parametrize("args", [
    ["staging", "example.org/team/mlproject-serve", "latest"],
    ["staging", "example.org/team/mlproject-serve:v1", DIGEST],
    ["staging", "example.org/team/mlproject-serve", DIGEST, "--canary-digest", DIGEST],
    ["qa", "example.org/team/mlproject-serve", DIGEST],
])
def test_a_release_refuses_a_tag_a_missing_environment_or_a_canary_outside_production(
        tmp_path, args):
    result = subprocess.run([sys.executable, str(RELEASE), *args, "--output", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert not (tmp_path / "kustomization.yaml").exists()


@pytest.fixture(scope="module")
def champion():
    """The course store's champion (sprint 01's, or the template's fast model trained once)."""
    from mlops_course import serving

    # A module fixture runs outside the per-test environment restore (conftest): MLflow's
    # set_experiment exports MLFLOW_EXPERIMENT_ID, which every later server and notebook kernel
    # of the session would inherit (it failed lab 06's notebook on a clean clone).
    with restored_environment():
        return serving.ensure_champion()[0]


def run_smoke(url: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SMOKE), url, "--timeout", str(timeout)],
                          capture_output=True, text=True, timeout=timeout + 60)


@pytest.mark.slow
def test_the_smoke_test_passes_against_the_api_the_image_runs(champion):
    with deploy.serve_like_the_image() as api:
        result = run_smoke(api.url, 60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("ok ") == 4, result.stdout
    assert f"{champion.name} v{champion.version}" in result.stdout


@pytest.mark.slow
def test_the_smoke_test_fails_when_the_model_never_loads():
    with deploy.serve_like_the_image(ready_path="/health",
                                     env={"MLPROJECT_MODEL_NAME": "no-such-model"}) as api:
        result = run_smoke(api.url, 6)
    assert result.returncode == 1
    assert "/ready did not answer 200" in result.stderr


# --- sizing and cost --------------------------------------------------------------------------


@pytest.mark.slow
def test_the_memory_limit_leaves_room_above_what_the_api_uses_under_load(champion):
    from mlops_course import datasets, loadtest, serving

    bodies = serving.example_hours(datasets.load_bike_sharing(), 50, seed=0)
    with deploy.serve_like_the_image() as api, deploy.footprint(api.process.pid) as usage:
        loadtest.run_sync(loadtest.http_load(api.url + "/v1/predict", bodies, requests=200,
                                             concurrency=4))
    limits = workloads(deploy.render("production"))[0]["spec"]["template"]["spec"][
        "containers"][0]["resources"]["limits"]
    assert usage.peak_rss_mb > 50 and usage.samples > 3
    assert deploy.quantity(limits["memory"]) * 1024 > 1.2 * usage.peak_rss_mb


def test_the_cloud_run_bill_uses_the_yaml_and_matches_simulated_arrivals():
    doc = deploy.load(deploy.CLOUD_RUN)[0]
    cfg = deploy.cloud_run_settings(doc)
    assert cfg == {"vcpu": 1.0, "gib": 1.0, "concurrency": 4, "min_instances": 1,
                   "max_instances": 10}
    rate, duration = 2.0, 0.05
    bill = deploy.cloud_run_cost(doc, rate=rate, seconds_per_request=duration)
    # Sprint 02's check: the busy share of random arrivals, simulated over a day.
    rng = np.random.default_rng(0)
    arrivals = np.cumsum(rng.exponential(1 / rate, size=int(rate * 24 * 3600)))
    busy = (np.minimum(np.diff(arrivals), duration).sum() + duration) / arrivals[-1]
    assert math.isclose(bill.busy_share, busy, rel_tol=0.02)
    # The warm instance costs more than the traffic at this rate; with no floor it disappears.
    assert bill.idle_floor_cost > bill.busy_cost > 0
    scaled_to_zero = copy.deepcopy(doc)
    scaled_to_zero["spec"]["template"]["metadata"]["annotations"][
        "autoscaling.knative.dev/minScale"] = "0"
    cheaper = deploy.cloud_run_cost(scaled_to_zero, rate=rate, seconds_per_request=duration)
    assert cheaper.idle_floor_cost == 0 and cheaper.total < bill.total
    heavy = deploy.cloud_run_cost(doc, rate=200.0, seconds_per_request=duration)
    assert heavy.notes, "10 requests in flight on 4 per instance must be flagged"


@pytest.mark.parametrize(("text", "value"), [
    ("500m", 0.5), ("1", 1.0), (2, 2.0), ("512Mi", 0.5), ("1Gi", 1.0), ("832Mi", 0.8125)])
def test_quantities_read_as_kubernetes_writes_them(text, value):
    assert math.isclose(deploy.quantity(text), value)
