"""Dockerfiles and CI workflows, checked without a Docker engine.

There is no engine on the course's machines, so images are never built here. Instead:

- `hadolint(path)` runs the real hadolint linter and returns its findings (`lint`);
- `policy_problems(path)` parses the Dockerfile with a real parser (dockerfile-parse,
  `dockerfile`) and checks the course's policy (`policy`): pinned slim base, multi-stage,
  non-root, exec-form CMD, HEALTHCHECK, no secrets, dependencies installed before the code is
  copied;
- `context_files(folder)` lists what `docker build` would send, honouring `.dockerignore` the
  way Docker does, which is *not* the way git reads `.gitignore` (`context`);
- `estimate_image(path)` estimates what each layer adds, from the files each step copies and
  the installed size of the packages each `pip install` brings; `rebuilt_steps` says which
  layers a change rebuilds (`layers`);
- `workflow_problems(path)` checks a CI workflow's structure (valid YAML, lint/test/build jobs
  in the right order, caching, pinned actions), and `run_problems(path, repo)` runs its jobs
  with stand-in tools to check that each check fails when its tool does (`workflows`);
- `final_image(path)` replays the build on paper (where each COPY puts files, which Python
  and packages the command finds) and `start_problems(path)` says why the command would not
  start (`runtime`);
- `example_service(folder)` writes the small service sprint 02 containerises (`example`).

On a machine with an engine, `docker build` and `docker history` give the real numbers.
Notebooks and labs use this package as `containers.X`: every public name of its modules is
re-exported here.
"""

from mlops_course.containers.context import (
    IgnorePattern,
    context_files,
    copied_files,
    is_ignored,
    read_dockerignore,
)
from mlops_course.containers.dockerfile import (
    Instruction,
    Stage,
    image_tag,
    parse_dockerfile,
)
from mlops_course.containers.example import example_service
from mlops_course.containers.layers import (
    ALREADY_IN_PYTHON_IMAGES,
    BASE_IMAGE_MB,
    MB,
    ImageEstimate,
    Layer,
    estimate_image,
    installed_size,
    rebuilt_steps,
)
from mlops_course.containers.lint import LEVELS, LintFinding, hadolint, hadolint_executable
from mlops_course.containers.policy import (
    MANIFESTS,
    RULES,
    SECRET_FILES,
    SECRET_WORDS,
    SLIM_MARKERS,
    PolicyProblem,
    Rule,
    policy_problems,
)
from mlops_course.containers.runtime import (
    Environment,
    FinalImage,
    base_image,
    final_image,
    healthcheck_problems,
    start_problems,
    uvicorn_target,
)
from mlops_course.containers.source import ContainerError
from mlops_course.containers.workflows import (
    CACHE_VALUES,
    FLOATING_REFS,
    PYTHON_LINTERS,
    WORKFLOW_SCHEMA,
    job_order,
    load_workflow,
    run_problems,
    upstream,
    workflow_problems,
)

__all__ = [
    "ALREADY_IN_PYTHON_IMAGES",
    "BASE_IMAGE_MB",
    "CACHE_VALUES",
    "FLOATING_REFS",
    "LEVELS",
    "MANIFESTS",
    "MB",
    "PYTHON_LINTERS",
    "RULES",
    "SECRET_FILES",
    "SECRET_WORDS",
    "SLIM_MARKERS",
    "WORKFLOW_SCHEMA",
    "ContainerError",
    "Environment",
    "FinalImage",
    "IgnorePattern",
    "ImageEstimate",
    "Instruction",
    "Layer",
    "LintFinding",
    "PolicyProblem",
    "Rule",
    "Stage",
    "base_image",
    "context_files",
    "copied_files",
    "estimate_image",
    "example_service",
    "final_image",
    "healthcheck_problems",
    "hadolint",
    "hadolint_executable",
    "image_tag",
    "installed_size",
    "is_ignored",
    "job_order",
    "load_workflow",
    "parse_dockerfile",
    "policy_problems",
    "read_dockerignore",
    "rebuilt_steps",
    "run_problems",
    "start_problems",
    "upstream",
    "uvicorn_target",
    "workflow_problems",
]
