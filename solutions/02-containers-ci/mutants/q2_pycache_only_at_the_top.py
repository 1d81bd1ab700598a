"""Writes `__pycache__` and `*.pyc` as git would, which in Docker only match at the top of the
context: caches inside app/ are still sent.
"""

REPLACEMENTS = {
    "q2_answer": '''DOCKERIGNORE = """\\
# Nothing goes into the build context unless it is listed below.
*
!requirements.txt
!app/
!model/
__pycache__
*.pyc
"""
dockerignore = save(".dockerignore", DOCKERIGNORE)''',
}
LOSES = ['q2_test']
