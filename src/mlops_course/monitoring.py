"""Monitoring the running use case window by window: Evidently reports, summaries, the dashboard.

    reference = mlproject.monitor.reference_for(bikes, window)   # seasonality is not drift
    snapshot = evidently_report(reference.data, window.data)      # renders inline in a notebook
    snapshot.save_html(str(settings.workspace("reports") / "2012-03.html"))
    mlproject.monitor.drift_columns(snapshot.dict()["metrics"])   # {column: score, drifted}

    summary = mlproject.monitor.monitor_window("2012-03", settings=...)  # the one implementation
    with dashboard_server(reports_dir) as app:                # Streamlit, headless, stopped on exit
        print(app.url, tracking.proxy_url(app.port))

Two levels of monitoring, and they answer different questions:

* resource metrics (latency, CPU, memory) say whether the service is healthy. They are cheap,
  immediate and blind to whether the answers are right (`measure`);
* model-quality metrics (MAE on labelled rows) and their proxies before labels arrive (data
  drift, prediction drift, data quality) say whether the answers are still good.

References, predictions, reading Evidently's result, window summaries, their JSON Schema, the
ALERT/RETRAIN decision and its thresholds are `mlproject.monitor`'s and `mlproject.evaluate`'s
(the template students fork); this module keeps what is about teaching: Evidently's drift
preset on any two frames with any method (05b compares methods), a resource measurement, and
starting the template's Streamlit dashboard from a notebook (also behind jupyter-server-proxy).
"""

from __future__ import annotations

import os
import resource
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

# Evidently's dataset verdict uses the template's share (half of the columns), never a copy.
from mlproject.monitor import DRIFT_SHARE_THRESHOLD

from mlops_course import drift, settings
from mlops_course.servers import BackgroundServer, python_command

DASHBOARD_APP = settings.TEMPLATE_DIR / "src" / "mlproject" / "dashboard.py"


class MonitoringError(RuntimeError):
    """The dashboard cannot be started from what is on disk."""


# --- Evidently ----------------------------------------------------------------------------


def _definition(columns: Sequence[str]) -> Any:
    """Tell Evidently each column's kind, so that 0/1 flags and hours stay numeric."""
    from evidently import DataDefinition

    categorical = [c for c in columns if c in drift.MONITORED_CATEGORICAL]
    return DataDefinition(
        numerical_columns=[c for c in columns if c not in categorical],
        categorical_columns=categorical,
    )


def evidently_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    method: str | None = None,
    threshold: float | None = None,
    drift_share: float = DRIFT_SHARE_THRESHOLD,
    summary: bool = False,
) -> Any:
    """Run Evidently's data-drift preset (and its data summary) on two frames; the snapshot.

    `method` and `threshold` apply to every column (e.g. "psi" and 0.2, or "wasserstein" and
    0.1); left out, Evidently picks a test per column from its type and the number of rows.
    The snapshot renders itself in a notebook, and has `save_html(path)` and `dict()`.
    """
    from evidently import Dataset, Report
    from evidently.presets import DataDriftPreset, DataSummaryPreset

    columns = list(columns or [c for c in drift.MONITORED if c in reference and c in current])
    options: dict[str, Any] = {"columns": columns, "drift_share": drift_share}
    if method is not None:
        options["method"] = method
    if threshold is not None:
        options["threshold"] = threshold
    presets: list[Any] = [DataDriftPreset(**options)]
    if summary:
        presets.append(DataSummaryPreset(columns=columns))
    definition = _definition(columns)
    with warnings.catch_warnings():
        # Constant columns in a month (no holiday in March) make some summary statistics
        # undefined; numpy warns and Evidently moves on.
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        return Report(presets).run(
            current_data=Dataset.from_pandas(current[columns], data_definition=definition),
            reference_data=Dataset.from_pandas(reference[columns], data_definition=definition),
        )


# --- resource metrics ---------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceSample:
    """What one call cost: wall time, CPU time and the process's peak resident memory."""

    seconds: float
    cpu_seconds: float
    peak_rss_mb: float


def measure(call: Callable[[], Any]) -> tuple[Any, ResourceSample]:
    """Run `call()` and measure it; its result and the sample (the infrastructure's view)."""
    cpu_before = time.process_time()
    started = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return result, ResourceSample(round(seconds, 4), round(cpu, 4), round(peak, 1))


# --- the dashboard --------------------------------------------------------------------------


def dashboard_environment(
    reports_dir: str | Path, predictions_log: str | Path | None = None
) -> dict[str, str]:
    """Environment for the template's dashboard: its package on the path, our reports."""
    reports_dir = Path(reports_dir).resolve()
    source = str(settings.TEMPLATE_DIR / "src")
    existing = os.environ.get("PYTHONPATH")
    return {
        "PYTHONPATH": source + (os.pathsep + existing if existing else ""),
        "MLPROJECT_REPORTS_DIR": str(reports_dir),
        "MLPROJECT_PREDICTIONS_LOG": str(
            Path(predictions_log) if predictions_log else reports_dir / "predictions.jsonl"
        ),
    }


def dashboard_command(*, behind_proxy: bool | None = None) -> list[str]:
    """`streamlit run dashboard.py` headless on 127.0.0.1, with `{port}` for BackgroundServer.

    Behind jupyter-server-proxy (Binder, JupyterHub) the browser talks to the proxy's origin,
    which Streamlit's CORS and XSRF checks would refuse; they are switched off there only. The
    server still listens on 127.0.0.1, so the authenticated Jupyter proxy is the only way in.
    """
    from mlops_course.tracking import on_jupyterhub

    if behind_proxy is None:
        behind_proxy = on_jupyterhub()
    command = python_command(
        "streamlit", "run", str(DASHBOARD_APP),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", "{port}",
        "--browser.gatherUsageStats", "false",
    )
    if behind_proxy:
        command += ["--server.enableCORS", "false", "--server.enableXsrfProtection", "false"]
    return command


def dashboard_server(
    reports_dir: str | Path,
    *,
    predictions_log: str | Path | None = None,
    port: int | None = None,
    behind_proxy: bool | None = None,
    ready_timeout: float = 90.0,
) -> BackgroundServer:
    """The template's Streamlit dashboard over `reports_dir`, as a context manager.

    It listens on the course's Streamlit port (8501) when free, else on any free port, and
    is ready when `/_stcore/health` answers.
    """
    from mlops_course.servers import port_is_free

    if not DASHBOARD_APP.is_file():
        raise MonitoringError(
            f"The project template's dashboard is missing ({DASHBOARD_APP}). Restore "
            "project_template/ from git."
        )
    if port is None and port_is_free(settings.STREAMLIT_PORT):
        port = settings.STREAMLIT_PORT
    return BackgroundServer(
        dashboard_command(behind_proxy=behind_proxy), port=port, ready_path="/_stcore/health",
        ready_timeout=ready_timeout, name="streamlit dashboard",
        env=dashboard_environment(reports_dir, predictions_log), cwd=settings.TEMPLATE_DIR,
    )
