"""Lists what to leave out instead of what to let in. It names today's clutter, so the visible
test passes, but the .env.production and the new data a teammate adds later are sent.
"""

REPLACEMENTS = {
    "q2_answer": '''DOCKERIGNORE = """\\
# Nothing goes into the build context unless it is listed below.
.env
.git
data/raw
notebooks/exploration.ipynb
mlruns
**/__pycache__
"""
dockerignore = save(".dockerignore", DOCKERIGNORE)''',
}
LOSES = ['q2_test']
