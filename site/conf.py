"""Sphinx configuration of the course site, built by `./course site` (mlops_course.site).

Sphinx with myst-nb, because every piece is a Python wheel pinned in requirements.lock, so the
site builds offline from the lock. Jupyter Book 2 (mystmd) needs Node.js and fetches its page
theme from the web at build time. The notebooks arrive executed (fast mode, by the test suite or
by `./course site`): Sphinx only renders them.
"""

import os

project = "MLOps, sprint by sprint"
author = "The course's authors"
copyright = "the course's authors, MIT licence"
REPOSITORY = os.environ.get("MLOPS_COURSE_REPOSITORY", "https://github.com/mlops-course/mlops-course")

extensions = ["myst_nb"]
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3
nb_execution_mode = "off"       # executed beforehand; never run code while building pages
nb_output_stderr = "remove"     # library log lines are noise on a page
nb_merge_streams = True
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type"]

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_theme_options = {
    "repository_url": REPOSITORY,
    "repository_branch": "main",
    "use_repository_button": True,
    "home_page_in_toc": True,
    "show_toc_level": 2,
}
html_last_updated_fmt = None
html_copy_source = True         # the download button offers each page's notebook
html_show_sourcelink = False
