"""Copies the build stage's /opt/venv to /venv in the final stage (and puts /venv/bin on the PATH).

A venv is not relocatable: its scripts start with `#!/opt/venv/bin/python`, which does not exist
in the final image, so `uvicorn` cannot start.
"""

EDITS = {
    "q1_answer": [
        ("COPY --from=build /opt/venv /opt/venv", "COPY --from=build /opt/venv /venv"),
        ("ENV PATH=/opt/venv/bin:$PATH", "ENV PATH=/venv/bin:$PATH"),
    ],
}
LOSES = ["q1_test"]
