"""The MLflow helpers: a local store in the workspace, data fingerprints, the UI server."""

from __future__ import annotations

import urllib.error
import urllib.request
import warnings
from pathlib import Path

import pandas as pd
import pytest

from mlops_course import servers, tracking

# MLflow's SQLAlchemy store still uses a loader strategy SQLAlchemy 2.1 deprecates: not ours.
pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")


@pytest.fixture
def store(workspace: Path) -> tracking.Store:
    import mlflow

    previous = mlflow.get_tracking_uri()
    yield tracking.local_store()
    mlflow.set_tracking_uri(previous)


def test_the_default_store_lives_in_the_workspace_and_is_selected(store: tracking.Store,
                                                                   workspace: Path):
    import mlflow

    assert store.folder == workspace / "mlflow"
    assert store.uri == f"sqlite:///{workspace / 'mlflow' / 'mlflow.db'}"
    assert mlflow.get_tracking_uri() == store.uri
    assert mlflow.get_registry_uri() == store.uri
    assert store.artifacts.is_dir()


def test_an_experiment_keeps_its_artifacts_in_the_store_folder(store: tracking.Store):
    import mlflow

    tracking.quiet_store_setup()
    experiment_id = tracking.use_experiment("demo", store)
    assert tracking.use_experiment("demo", store) == experiment_id  # idempotent
    location = mlflow.get_experiment(experiment_id).artifact_location
    assert location == (store.artifacts / "demo").as_uri()


def test_the_frame_hash_changes_with_content_order_and_types_only():
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None]})
    same = tracking.frame_sha256(frame.copy())
    assert tracking.frame_sha256(frame) == same
    assert len(same) == 64
    assert tracking.frame_sha256(frame.assign(a=[1, 2, 4])) != same
    assert tracking.frame_sha256(frame.iloc[::-1]) != same
    assert tracking.frame_sha256(frame.astype({"a": "float64"})) != same
    assert tracking.frame_sha256(frame.set_axis([10, 11, 12])) == same  # the index is not data


def test_a_dataset_input_names_its_local_file_without_a_warning(tmp_path: Path):
    source = tmp_path / "data.csv"
    source.write_text("a\n1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dataset = tracking.dataset_input(pd.DataFrame({"a": [1.0]}), name="d", source=source)
    assert dataset.source.to_dict()["uri"] == str(source.resolve())
    assert dataset.digest


def test_pip_requirements_pin_the_installed_versions():
    from importlib import metadata

    assert tracking.pip_requirements("scikit-learn") == [
        f"scikit-learn=={metadata.version('scikit-learn')}"
    ]
    with pytest.raises(tracking.TrackingError, match="not installed"):
        tracking.pip_requirements("surely-not-installed-xyz")


def test_the_proxy_url_uses_the_hub_prefix_when_there_is_one(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    assert tracking.proxy_url(5000) == "/proxy/5000/"
    assert not tracking.on_jupyterhub()
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/abc-123/")
    assert tracking.proxy_url(5000) == "/user/abc-123/proxy/5000/"
    assert tracking.on_jupyterhub()
    assert tracking.proxy_url(8080, prefix="user/x") == "/user/x/proxy/8080/"


def test_the_server_accepts_any_host_only_behind_a_proxy(tmp_path: Path):
    store = tracking.local_store(tmp_path, activate=False)
    local = tracking.server_command(store, behind_proxy=False)
    proxied = tracking.server_command(store, behind_proxy=True)
    assert "--allowed-hosts" not in local
    assert proxied[-2:] == ["--allowed-hosts", "*"]
    assert local[local.index("--host") + 1] == "127.0.0.1"
    assert local[local.index("--backend-store-uri") + 1] == store.uri


@pytest.mark.slow
def test_a_logged_model_is_registered_and_loaded_back_by_alias(store: tracking.Store):
    import mlflow
    from mlflow.models import infer_signature
    from mlproject import data, registry

    from mlops_course import comparisons

    tracking.quiet_store_setup()
    tracking.use_experiment("unit", store)
    reference = data.reference(data.load()).head(500)
    X, y = data.prepare_features(reference), data.target(reference)
    model = comparisons.linear_model().fit(X, y)
    with mlflow.start_run() as run:
        mlflow.log_param("data_sha256", tracking.frame_sha256(reference))
        info = mlflow.sklearn.log_model(
            model, name="model", signature=infer_signature(X, model.predict(X)),
            input_example=X.head(2), pip_requirements=tracking.pip_requirements("scikit-learn"),
            skops_trusted_types=registry.SKOPS_TRUSTED_TYPES,
        )
    version = mlflow.register_model(info.model_uri, "unit-model")
    mlflow.MlflowClient().set_registered_model_alias("unit-model", "champion", version.version)
    loaded = mlflow.pyfunc.load_model("models:/unit-model@champion")
    assert loaded.metadata.run_id == run.info.run_id
    assert loaded.predict(X.head(3)).shape == (3,)
    assert Path(store.artifacts / "unit").is_dir()


def _status(url: str, host: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


@pytest.mark.slow
def test_the_mlflow_ui_starts_answers_and_stops(tmp_path: Path):
    store = tracking.local_store(tmp_path, activate=False)
    with tracking.mlflow_ui(store, behind_proxy=True) as ui:
        assert _status(ui.url + "/health") == 200
        api = ui.url + "/ajax-api/2.0/mlflow/experiments/search?max_results=1"
        assert _status(api, host="hub.example.org") == 200  # the proxy forwards the hub's host
        port = ui.port
    assert servers.port_is_free(port)


@pytest.mark.slow
def test_without_the_proxy_setting_a_foreign_host_is_refused(tmp_path: Path):
    store = tracking.local_store(tmp_path, activate=False)
    with tracking.mlflow_ui(store, behind_proxy=False) as ui:
        api = ui.url + "/ajax-api/2.0/mlflow/experiments/search?max_results=1"
        assert _status(api) == 200
        assert _status(api, host="hub.example.org") == 403


def _clauses(sql: str | None) -> tuple | None:
    """A CREATE statement as its columns in order and its table constraints as a set.

    MLflow's migrations recreate tables in alembic's batch mode, which writes a table's CHECK
    constraints in an order that changes with Python's string hashing: two builds of the same
    schema differ only there."""
    if sql is None:
        return None
    lines = [line.strip().rstrip(",").strip() for line in sql.splitlines()]
    constraint = ("CONSTRAINT", "CHECK", "FOREIGN KEY", "UNIQUE", "PRIMARY KEY")
    columns = tuple(line for line in lines if not line.startswith(constraint))
    return columns, frozenset(line for line in lines if line.startswith(constraint))


def _schema_and_ids(uri: str) -> tuple[list, list]:
    """The database's tables and schema version, and its experiments after creating one."""
    import sqlite3

    import mlflow

    client = mlflow.MlflowClient(uri, uri)
    client.create_experiment("first", artifact_location="file:///tmp/first")
    experiments = sorted(
        (e.experiment_id, e.name, e.artifact_location) for e in client.search_experiments()
    )
    db = sqlite3.connect(uri.removeprefix("sqlite:///"))
    try:
        rows = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        schema = [(kind, name, _clauses(sql)) for kind, name, sql in rows]
        schema.append(db.execute("SELECT version_num FROM alembic_version").fetchall())
    finally:
        db.close()
    return schema, experiments


def test_a_copied_empty_database_is_the_one_mlflow_builds(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tracking.quiet_store_setup()
    built = f"sqlite:///{tmp_path / 'built.db'}"  # MLflow runs its migrations
    copied = tmp_path / "copied.db"
    assert tracking.new_database(copied)
    assert not tracking.new_database(copied), "an existing store must never be replaced"
    schema, experiments = _schema_and_ids(f"sqlite:///{copied}")
    assert (schema, experiments) == _schema_and_ids(built)
    # MLflow adds its Default experiment (id 0) with the store's own artifact location.
    assert experiments[0][:2] == ("0", "Default") and experiments[1][:2] == ("1", "first")
