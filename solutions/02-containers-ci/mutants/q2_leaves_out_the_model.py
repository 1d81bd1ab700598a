"""Lets in app/ but not model/: the Dockerfile's `COPY model/` then finds nothing and the build
fails.
"""

REPLACEMENTS = {
    "q2_answer": '''DOCKERIGNORE = """\\
# Nothing goes into the build context unless it is listed below.
*
!requirements.txt
!app/
**/__pycache__
**/*.pyc
"""
dockerignore = save(".dockerignore", DOCKERIGNORE)''',
}
LOSES = ['q2_test']
