"""Never switches to the unprivileged user it creates: the app runs as root.
"""

REPLACEMENTS = {
    "q1_answer": '''DOCKERFILE = """\\
# syntax=docker/dockerfile:1
FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /build
COPY requirements.txt .
RUN /opt/venv/bin/pip install --no-cache-dir -r requirements.txt

FROM python:3.11.11-slim-bookworm
RUN useradd --create-home --uid 10001 app
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1
WORKDIR /home/app
COPY app/ ./app/
COPY model/ ./model/
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s \\\\
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health')"]
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""
dockerfile = save("Dockerfile", DOCKERFILE)''',
}
LOSES = ['q1_test']
