"""Names the Python version once in a build argument, copies folders without trailing slashes,
and splits the command into ENTRYPOINT (uvicorn) and CMD (its arguments), leaving the port at
uvicorn's default, 8000.

`FROM python:${PYTHON_VERSION}-slim-bookworm` is the same pinned base; the container runs
ENTRYPOINT then CMD, which is the solution's command.
"""

EDITS = {
    "q1_answer": [
        (
            "# syntax=docker/dockerfile:1\nFROM python:3.11.11-slim-bookworm AS build",
            "# syntax=docker/dockerfile:1\nARG PYTHON_VERSION=3.11.11\n"
            "FROM python:${PYTHON_VERSION}-slim-bookworm AS build",
        ),
        (
            "\nFROM python:3.11.11-slim-bookworm\n",
            "\nFROM python:${PYTHON_VERSION}-slim-bookworm\n",
        ),
        ("COPY app/ ./app/\nCOPY model/ ./model/", "COPY app ./app\nCOPY model ./model"),
        (
            'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]',
            'ENTRYPOINT ["uvicorn"]\nCMD ["app.main:app", "--host", "0.0.0.0"]',
        ),
    ],
}
