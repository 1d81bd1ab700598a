"""Grading: nbgrader is the format and the gradebook; these modules add speed, safety, soundness
and useful output.

    lab         what a lab is: its source and release notebooks, cell roles, mutants
    release     `mlops-course release`: labs/ generated from solutions/
    sandbox     bubblewrap and resource limits around student code
    kernels     the kernel factory that runs inside the sandbox
    outcomes    the shared types: a submission's status and outcome, gradebook grades, a run
    engine      `mlops-course grade`: one submission per worker, statuses, parallel dispatch
    run         a grading run: folders, resumable reruns, merge, reports
    submissions collecting a cohort's submissions from a folder, whatever its shape
    gradebook   per-submission gradebooks and the merge into the course gradebook
    nbgrader_overrides   every override of nbgrader, nbclient or jupyter_client internals,
                with the version it was written against: review it on every upgrade
    feedback    per-student HTML that never shows hidden tests
    reports     LMS CSVs and the HTML grade report
    soundness   `mlops-course verify`: checks every lab must pass
    selfcheck   `mlops-course check`: students' visible tests, in plain words
    stock       stock `nbgrader autograde`, for comparison in tests and the benchmark
    config      the course's nbgrader configuration, loaded once
    cohort      the synthetic cohort the tests and the benchmark grade
    streams     what a test cell's outputs mean: passed, failed, or a line that costs nothing
    guard       in each grading kernel: what a cell changed in how later cells run is put back
                before they run, and reported
    dropin      `mlops-course autograde`: grade an existing nbgrader course in place
    nbbuild     nbgrader notebooks built in code, for tests and benchmarks with their own course

Importing this package is cheap: the kernel factory imports it inside the sandbox.
"""


class GradingError(Exception):
    """Bad input or a setup the instructor or student can fix; the message says what to do.

    The `mlops-course` command prints such a message as it is, without a traceback, and exits 2.
    """
