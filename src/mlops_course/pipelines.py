"""Running Kubeflow Pipelines (KFP v2) locally from a notebook: the course's harness.

    from mlproject import pipeline
    run = run_local(pipeline.training_pipeline, pipeline.arguments(settings), cache=True)
    run.output, run.executed, run.cached          # what it returned, which steps ran

The pipeline itself is the project template's (`mlproject.pipeline`: its components, the
training pipeline, its arguments and `compile_pipeline`); this module only runs a pipeline with
`kfp.local` the way a notebook or a lab test needs it. Every step is a subprocess of this
Python (SubprocessRunner with `use_venv=False`: no containers, no package downloads); KFP's
long per-step log is kept in `run.log` (and a file) instead of flooding the notebook, and
parsed to tell which steps ran, which came from the cache and which failed.
"""

import contextlib
import io
import logging
import os
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# --- running locally --------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_EXECUTING = re.compile(r"Executing task '([^']+)'")
_CACHED = re.compile(r"Task (\S+) cache hit")
_FINISHED = re.compile(r"Task '([^']+)' finished with status (\w+)")


@dataclass
class PipelineRun:
    """One local run: the pipeline's output, which steps ran or came from the cache, the log."""

    output: Any
    executed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    log: str = ""

    def steps(self) -> dict[str, str]:
        """{step: "ran" | "cached" | "failed"} in the order they happened."""
        status = {name: "ran" for name in self.executed}
        status |= {name: "cached" for name in self.cached}
        status |= {name: "failed" for name in self.failed}
        return status


def init_local(
    pipeline_root: str | Path, *, cache: bool = True, cache_root: str | Path | None = None
) -> None:
    """Point kfp.local at a folder (outputs, and the cache in `<root>/.kfp_cache` by default)."""
    from kfp import local

    local.init(
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=str(pipeline_root),
        enable_caching=cache,
        cache_root=str(cache_root) if cache_root else None,
    )


def run_local(
    pipeline: Callable[..., Any],
    arguments: dict[str, Any],
    *,
    pipeline_root: str | Path | None = None,
    cache: bool = True,
    cache_root: str | Path | None = None,
    log_file: str | Path | None = None,
) -> PipelineRun:
    """Run a pipeline with kfp.local (SubprocessRunner, this Python); its outputs and step log.

    KFP prints every step's inputs and output while it runs; that log is kept (in `run.log`,
    and in `log_file` when given) instead of flooding the notebook. A failed step raises
    `PipelineFailed` with the end of the log.
    """
    from mlops_course import settings

    root = Path(pipeline_root) if pipeline_root else settings.workspace("pipelines")
    init_local(root, cache=cache, cache_root=cache_root)
    scratch = root / ".tmp"  # each step's shell makes a temporary folder (mktemp) for its code
    scratch.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    error: BaseException | None = None
    output = None
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(buffer),
        _log_to(buffer),
        _environment(TMPDIR=str(scratch)),
    ):
        # kfp.local warns when a step's image name lacks "python": locally the steps run in
        # this environment whatever image they name for the cluster.
        warnings.filterwarnings("ignore", message="You may be attemping to run a task")
        try:
            task = pipeline(**arguments)
            output = _output(task)
        except Exception as err:  # noqa: BLE001 - reported below with the step log
            error = err
    text = _ANSI.sub("", buffer.getvalue())
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        Path(log_file).write_text(text, encoding="utf-8")
    run = PipelineRun(output=output, log=text)
    for name in _EXECUTING.findall(text):
        run.executed.append(name)
    run.cached = _CACHED.findall(text)
    run.failed = [name for name, status in _FINISHED.findall(text) if status != "SUCCESS"]
    if error is not None:
        raise PipelineFailed(run, error) from error
    return run


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set environment variables for the steps (subprocesses inherit them), then restore them.

    TMPDIR points the steps' temporary folders into the pipeline root: a sandbox (such as the
    grader's) may not let a student's process write to the system's /tmp.
    """
    before = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _log_to(buffer: io.StringIO) -> Iterator[None]:
    """Send INFO logs to `buffer` while a pipeline runs.

    kfp.local logs each step through its own handler, but a cache hit through the root logger
    as it was (in a notebook: WARNING and above only), so without this a hit leaves no trace.
    """
    root = logging.getLogger()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _output(task: Any) -> Any:
    outputs = getattr(task, "outputs", None) or {}
    if len(outputs) == 1:
        return next(iter(outputs.values()))
    return dict(outputs) if outputs else None


class PipelineFailed(RuntimeError):
    """A local pipeline run failed; the message names the failed step and shows its log."""

    def __init__(self, run: PipelineRun, cause: BaseException) -> None:
        self.run = run
        tail = "\n".join(run.log.strip().splitlines()[-25:])
        failed = ", ".join(run.failed) or "a step"
        cause_text = _ANSI.sub("", str(cause))
        super().__init__(
            f"The pipeline failed in {failed}: {type(cause).__name__}: {cause_text}\n"
            f"Last lines of the log:\n{tail}"
        )
