"""Grading: nbgrader is the format and the gradebook; these modules add speed, safety, soundness
and useful output.

    lab         what a lab is: its source and release notebooks, cell roles, mutants
    release     `mlops-course release`: labs/ generated from solutions/
    sandbox     bubblewrap and resource limits around student code
    kernels     the kernel factory that runs inside the sandbox
    engine      `mlops-course grade`: one submission per worker, statuses, parallel dispatch
    gradebook   per-submission gradebooks and the merge into the course gradebook
    feedback    per-student HTML that never shows hidden tests
    reports     LMS CSVs and the HTML grade report
    soundness   `mlops-course verify`: checks every lab must pass
    selfcheck   `mlops-course check`: students' visible tests, in plain words
    cohort      the synthetic cohort the tests and the benchmark grade

Importing this package is cheap: the kernel factory imports it inside the sandbox.
"""
