# Serving image: the prediction API (FastAPI under uvicorn). It holds no model: at start-up
# it loads `models:/<MLPROJECT_MODEL_NAME>@champion` from the registry at MLFLOW_TRACKING_URI.
#
#   docker build -f docker/serve.Dockerfile -t mlproject-serve:0.1.0 .
#   docker run -p 8000:8000 -e MLFLOW_TRACKING_URI=http://host.docker.internal:5000 mlproject-serve:0.1.0

# ---- build stage: compilers and pip caches stay here, out of the final image -------------
FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies before code: this layer is rebuilt when the lock changes, not on every edit.
COPY docker/requirements-serve.lock ./
RUN pip install --no-cache-dir -r requirements-serve.lock
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir --no-deps .

# ---- runtime stage: the virtualenv and nothing else, run by an unprivileged user --------
FROM python:3.11.11-slim-bookworm AS runtime
# The app user owns /app, so the default local MLflow store (/app/mlflow.db) is writable.
RUN groupadd --gid 10001 app \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin app \
    && install -d -o 10001 -g 10001 /app
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MLPROJECT_HOME=/app \
    MLPROJECT_HOST=0.0.0.0 \
    MLPROJECT_PORT=8000 \
    MLPROJECT_PREDICTIONS_LOG=/tmp/predictions.jsonl
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# Liveness, not readiness: platforms that act on HEALTHCHECK restart an unhealthy container,
# and a restart cannot fix a model that failed to load (it only hides why). /ready is for
# whatever routes traffic (a Kubernetes readinessProbe), which stops sending requests instead.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
CMD ["python", "-m", "mlproject", "serve"]
