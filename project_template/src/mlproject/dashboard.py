"""Monitoring dashboard (Streamlit): drift and quality per window, and recent predictions.

Run it with `make dashboard` (or `streamlit run src/mlproject/dashboard.py`). It only reads
files: the `summary.json` of every monitored window (`make monitor` writes them) and the
API's prediction log, so it can run anywhere those files are, and never touches the model.
"""

from __future__ import annotations

import streamlit as st

from mlproject import monitor
from mlproject import settings as cfg

settings = cfg.get_settings()
st.set_page_config(page_title="mlproject monitoring", layout="wide")
st.title("Bike-rental model: monitoring")
st.caption(
    f"Reports from `{settings.reports_dir}`. RETRAIN when a window's MAE exceeds "
    f"{monitor.MAE_RATIO_THRESHOLD}x the signed-off holdout MAE; ALERT (look, do not retrain) "
    f"when at least {monitor.DRIFT_SHARE_THRESHOLD:.0%} of the features drifted."
)

try:
    summaries = monitor.load_summaries(settings.reports_dir)
except monitor.SummaryError as err:  # a summary from another version, or edited by hand
    st.error(f"A monitoring summary breaks summary.schema.json: {err}. Re-run `make monitor`.")
    st.stop()
st.header("Production windows")
if not summaries:
    st.info(
        "No monitoring summaries yet. Train a model (`make train`), then run "
        "`make monitor` to compare the 2012 windows with the reference."
    )
else:
    table = monitor.summary_table(summaries)
    latest = summaries[-1]
    quality = latest.get("model_quality") or {}
    left, middle, right = st.columns(3)
    left.metric("Latest window", latest["window"], f"model v{latest['model']['version']}")
    middle.metric("Features drifted", f"{latest['data_drift']['share']:.0%}")
    if quality:
        right.metric(
            "MAE (rentals/hour)",
            f"{quality['mae']:.1f}",
            f"{quality['mae_ratio']:.2f}x signed-off",
            delta_color="inverse",
        )
    decision = latest["decision"]
    quality_reasons = "; ".join(decision["retrain_reasons"])
    drift_reasons = "; ".join(decision["alert_reasons"])
    if decision["retrain"]:
        st.error(f"Retrain recommended for {latest['window']}: {quality_reasons}")
    else:
        st.success(f"No retraining for {latest['window']}: {quality_reasons}")
    if decision["alert"]:
        st.warning(f"Drift alert for {latest['window']}: {drift_reasons}")
    else:
        st.info(f"No drift alert for {latest['window']}: {drift_reasons}")

    st.dataframe(table, hide_index=True, width="stretch")
    st.line_chart(table.set_index("window")[["mae_ratio", "drift_share"]])

    chosen = st.selectbox("Window details", table["window"].tolist(), index=len(table) - 1)
    detail = next(s for s in summaries if s["window"] == chosen)
    st.subheader(f"Feature drift in {chosen} vs {detail['reference']}")
    st.dataframe(
        [{"feature": name, **values} for name, values in detail["data_drift"]["features"].items()],
        hide_index=True,
    )
    report = settings.reports_dir / "monitoring" / chosen / detail["report_html"]
    st.caption(f"Full Evidently report: `{report}`")

st.header("Recent predictions")
predictions = monitor.recent_predictions(settings.predictions_log)
if predictions.empty:
    st.info(f"No predictions logged yet at `{settings.predictions_log}`: call the API first.")
else:
    st.metric("Predictions shown", len(predictions))
    st.dataframe(predictions.iloc[::-1], hide_index=True)
