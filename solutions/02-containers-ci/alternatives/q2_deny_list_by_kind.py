"""Lists what to leave out instead of what to let in, by kind rather than by today's names:
every `.env` file, the whole of data/, notebooks/, mlruns/ and tests/, .git, and caches at any
depth.

A deny list is harder to keep right than an allow list, but this one covers what a teammate
adds later; the tests must accept it.
"""

EDITS = {
    "q2_answer": [
        (
            "# Nothing goes into the build context unless it is listed below.\n*\n"
            "!requirements.txt\n!app/\n!model/\n",
            "# Everything a build does not need, by kind.\n"
            ".env*\n.git\ndata/\nnotebooks/\nmlruns/\ntests/\n",
        ),
    ],
}
