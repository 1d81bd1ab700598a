"""Pins the base by digest, installs with `pip install --prefix=/install` (no venv) and copies
the result into /usr/local, where the image's own Python looks; runs as a named user from /srv
and starts uvicorn through `python -m`, with `--host=` and `--port=` options.

Another common multi-stage layout: the tests must follow where the packages land, not look for
/opt/venv. The digest is a stand-in of the right shape (a real one comes from
`docker buildx imagetools inspect python:3.11.11-slim-bookworm`); nothing here pulls the image.
"""

EDITS = {
    "q1_answer": [
        (
            "FROM python:3.11.11-slim-bookworm AS build",
            "FROM python:3.11.11-slim-bookworm@"
            "sha256:0000000000000000000000000000000000000000000000000000000000000000 AS build",
        ),
        ("RUN python -m venv /opt/venv\n", ""),
        (
            "/opt/venv/bin/pip install --no-cache-dir",
            "pip install --no-cache-dir --prefix=/install",
        ),
        (
            "\nFROM python:3.11.11-slim-bookworm\n",
            "\nFROM python:3.11.11-slim-bookworm@"
            "sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
        ),
        ("useradd --create-home --uid 10001 app", "useradd --no-create-home --uid 10001 app"),
        ("COPY --from=build /opt/venv /opt/venv", "COPY --from=build /install /usr/local"),
        ("ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1", "ENV PYTHONUNBUFFERED=1"),
        ("WORKDIR /home/app", "WORKDIR /srv"),
        ("USER 10001", "USER app"),
        ("'http://127.0.0.1:8000/health'", "'http://localhost:8000/health'"),
        (
            'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]',
            'CMD ["python", "-m", "uvicorn", "app.main:app", "--host=0.0.0.0", "--port=8000"]',
        ),
    ],
}
