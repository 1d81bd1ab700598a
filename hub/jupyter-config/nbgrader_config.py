"""nbgrader on the hub: every server loads this (JUPYTER_CONFIG_PATH, set by the hub's spawn hook).

Students get the course id and the exchange, so the Assignments panel, Validate, fetch, submit
and fetch_feedback work without a file of their own. Instructors also get the course's own
settings (grading/nbgrader_config.py: solutions/ is the source, labs/ the release, submissions
collected into their workspace), so `nbgrader release_assignment 00-start-here` and
`nbgrader collect 00-start-here` need no --config.
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "mlops-course"
c.Exchange.root = os.environ.get("HUB_EXCHANGE", "/srv/nbgrader/exchange")

if os.environ.get("HUB_ROLE") == "instructor" and os.environ.get("MLOPS_COURSE_HOME"):
    # The gradebook lives there; sqlite creates the file, not its folder.
    os.makedirs(os.path.join(os.environ["MLOPS_WORKSPACE"], "grading"), exist_ok=True)
    load_subconfig(  # noqa: F821 - provided by traitlets
        os.path.join(os.environ["MLOPS_COURSE_HOME"], "grading", "nbgrader_config.py")
    )
