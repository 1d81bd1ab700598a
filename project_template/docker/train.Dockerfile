# Training image: trains, registers and gates a model; also the image every step of the
# Kubeflow pipeline runs in (MLPROJECT_PIPELINE_IMAGE), and the monitoring job's.
#
#   docker build -f docker/train.Dockerfile -t mlproject-train:0.1.0 .
#   docker run --rm -e MLFLOW_TRACKING_URI=http://host.docker.internal:5000 mlproject-train:0.1.0

# ---- build stage ----------------------------------------------------------------------
FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY docker/requirements-train.lock ./
RUN pip install --no-cache-dir -r requirements-train.lock
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir --no-deps .

# ---- runtime stage ----------------------------------------------------------------------
FROM python:3.11.11-slim-bookworm AS runtime
# The app user owns /app, so the default local MLflow store (/app/mlflow.db) is writable.
RUN groupadd --gid 10001 app \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin app \
    && install -d -o 10001 -g 10001 /app
COPY --from=build /opt/venv /opt/venv
# The data ships with the image (1.6 MB) so a run is reproducible from the image alone;
# the loader verifies its checksum against the data card before training.
COPY --chown=10001:10001 data/hour.csv data/datacard.md /app/data/
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MLPROJECT_HOME=/app \
    MLPROJECT_REPORTS_DIR=/tmp/reports
WORKDIR /app
USER 10001:10001
# A batch job, not a service: it runs to completion and its exit code is its health. Docker
# health checks probe long-running servers, so this image states explicitly that it has none.
HEALTHCHECK NONE
CMD ["python", "-m", "mlproject", "train"]
