"""A training job that survives preemption: boosting in chunks, a checkpoint after each chunk.

`python -m mlproject train-resumable --workdir artifacts/resumable` fits the project's model
(`train.build_model`) `chunk` boosting rounds at a time, using scikit-learn's `warm_start`
(each fit adds trees to the ones already there). After every chunk it saves a checkpoint:
the model so far and the job's configuration, in one file, written to a temporary name and
renamed over the old checkpoint, so the file on disk is always a whole, earlier state.

On SIGTERM (what Kubernetes, a spot VM's shutdown, or `kill` send first) the job finishes the
chunk it is in, saves it and exits with status 143 (128 + SIGTERM), so a scheduler sees
"interrupted", not "done". If the hard kill (SIGKILL) comes first, the chunk in progress is
lost, not the checkpoint. Started again with the same arguments, the job loads the checkpoint
and goes on from there; the result is the same model, bit for bit, as one uninterrupted run
(the trees added by a warm start depend only on the data and the trees before them, and every
source of randomness is seeded). A checkpoint made with other settings is refused rather
than silently continued.
"""

from __future__ import annotations

import hashlib
import json
import signal
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import skops.io  # imported up front: its first import takes seconds, not a checkpoint's cost
from sklearn.pipeline import Pipeline

from mlproject import data, evaluate, train
from mlproject import settings as cfg
from mlproject.atomic import write_atomically

CHECKPOINT = "checkpoint.skops"
MODEL = "model.skops"
RESULT = "result.json"
PROGRESS = "progress.json"
ATTEMPTS = "attempts.jsonl"  # one line per process that ran the job: what it did, how long
EXIT_INTERRUPTED = 128 + signal.SIGTERM  # what a shell reports for a job stopped by SIGTERM


class CheckpointMismatchError(data.DataError):
    """The checkpoint in the folder was made by a job with other settings."""


@dataclass(frozen=True)
class JobConfig:
    """Everything that decides the result; a checkpoint is only resumed under the same one."""

    rounds: int
    chunk: int
    train_end: str
    seed: int
    data_sha256: str

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class JobOutcome:
    """How one process of the job ended."""

    finished: bool
    rounds_done: int
    resumed_from: int
    chunks_run: int
    seconds: float
    fit_seconds: float
    checkpoint_seconds: float


def _dumps(obj: Any) -> bytes:
    return skops.io.dumps(obj)


def _loads(payload: bytes) -> Any:
    """Load a checkpoint; skops runs no code from it and trusts only the types it must."""
    trusted = [t for t in skops.io.get_untrusted_types(data=payload) if t in _TRUSTED]
    return skops.io.loads(payload, trusted=trusted)


# The one internal type a fitted HistGradientBoostingRegressor holds that skops does not
# trust by default (skops.io.get_untrusted_types lists it); anything else is refused.
_TRUSTED = {"sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"}


def save_checkpoint(workdir: Path, config: JobConfig, model: Pipeline, rounds_done: int) -> None:
    """The model after `rounds_done` rounds, with the config it belongs to, in one file."""
    state = {"fingerprint": config.fingerprint(), "rounds_done": rounds_done, "model": model}
    write_atomically(workdir / CHECKPOINT, _dumps(state))
    progress = {"rounds_done": rounds_done, "rounds": config.rounds, "time": time.time()}
    write_atomically(workdir / PROGRESS, json.dumps(progress).encode())


def load_checkpoint(workdir: Path, config: JobConfig) -> tuple[Pipeline, int] | None:
    """(model, rounds done) from the folder's checkpoint, or None when there is none."""
    path = workdir / CHECKPOINT
    if not path.is_file():
        return None
    state = _loads(path.read_bytes())
    if state["fingerprint"] != config.fingerprint():
        raise CheckpointMismatchError(
            f"{path} was made by a job with other settings than {asdict(config)}. "
            "Resume it with the same arguments, or use another --workdir to start afresh."
        )
    return state["model"], int(state["rounds_done"])


class StopFlag:
    """Set by SIGTERM (or by a caller); the job checks it between chunks."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def __call__(self, signum: int, _frame: object) -> None:
        self.event.set()

    def is_set(self) -> bool:
        return self.event.is_set()


def training_rows(
    frame: pd.DataFrame, train_end: str
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """(features, target) of the rows trained on, and the holdout the result is scored on."""
    rows, holdout = data.training_split(frame, train_end)
    return data.prepare_features(rows), data.target(rows), holdout


def run(
    workdir: Path,
    config: JobConfig,
    frame: pd.DataFrame,
    *,
    stop: StopFlag | None = None,
    threads: int = 1,
) -> JobOutcome:
    """Boost until `config.rounds`, a checkpoint after each chunk; stop early if `stop` is set.

    Returns when the model is complete (and saved as `MODEL` with `RESULT`), or after the
    chunk during which `stop` was set (its checkpoint saved).
    """
    from threadpoolctl import threadpool_limits

    started = time.perf_counter()
    workdir.mkdir(parents=True, exist_ok=True)
    for orphan in workdir.glob(".*.tmp"):  # a write cut short by SIGKILL; never a checkpoint
        orphan.unlink()
    stop = stop or StopFlag()
    features, target, holdout = training_rows(frame, config.train_end)
    resumed = load_checkpoint(workdir, config)
    if resumed is None:
        model, done = train.build_model(seed=config.seed, max_iter=config.chunk), 0
        model.set_params(regressor__warm_start=True)
    else:
        model, done = resumed
    resumed_from, chunks, fitting, saving = done, 0, 0.0, 0.0
    while done < config.rounds and not stop.is_set():
        done = min(done + config.chunk, config.rounds)
        model.set_params(regressor__max_iter=done)
        tick = time.perf_counter()
        with threadpool_limits(limits=threads):  # one thread: the same sums in the same order
            model.fit(features, target)
        tock = time.perf_counter()
        save_checkpoint(workdir, config, model, done)
        fitting, saving = fitting + tock - tick, saving + time.perf_counter() - tock
        chunks += 1
    finished = done >= config.rounds
    if finished:
        write_atomically(workdir / MODEL, _dumps(model))
        result = {
            "config": asdict(config),
            "holdout_mae": evaluate.evaluate(model, holdout)["mae"],
            "predictions_sha256": predictions_digest(model, holdout),
        }
        write_atomically(workdir / RESULT, json.dumps(result, indent=2).encode())
    outcome = JobOutcome(
        finished, done, resumed_from, chunks, time.perf_counter() - started, fitting, saving
    )
    with (workdir / ATTEMPTS).open("a", encoding="utf-8") as log:
        log.write(json.dumps(asdict(outcome)) + "\n")
    return outcome


def attempts(workdir: Path) -> list[dict[str, Any]]:
    """What every process that ran the job in this folder did (ATTEMPTS), oldest first."""
    path = workdir / ATTEMPTS
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def predictions_digest(model: Pipeline, rows: pd.DataFrame) -> str:
    """SHA-256 of the model's raw predictions (float64 bytes): equal only if bit-identical."""
    raw = np.ascontiguousarray(model.predict(data.prepare_features(rows)), dtype="float64")
    return hashlib.sha256(raw.tobytes()).hexdigest()


def load_model(workdir: Path) -> Pipeline:
    """The finished model a job left in its folder."""
    return _loads((workdir / MODEL).read_bytes())


def main(
    workdir: Path,
    *,
    rounds: int = train.MAX_ITER_FULL,
    chunk: int = 25,
    train_end: str = "2012-10-01",
    seed: int | None = None,
    settings: cfg.Settings | None = None,
) -> int:
    """The command: install the SIGTERM handler, run or resume, return the exit status."""
    settings = settings or cfg.get_settings()
    stop = StopFlag()
    signal.signal(signal.SIGTERM, stop)
    sha = data.verify_checksum(settings.data_file, settings.datacard_file)
    frame = data.validate(data.load(settings.data_file, verify=False))
    config = JobConfig(rounds, chunk, train_end, settings.seed if seed is None else seed, sha)
    outcome = run(workdir, config, frame, stop=stop, threads=settings.threads)
    verb = "finished" if outcome.finished else "stopped by SIGTERM"
    print(
        f"{verb} at round {outcome.rounds_done}/{rounds} after {outcome.chunks_run} chunk(s) "
        f"in {outcome.seconds:.1f} s ({outcome.fit_seconds:.1f} s fitting, "
        f"{outcome.checkpoint_seconds:.1f} s checkpointing; resumed from round "
        f"{outcome.resumed_from})",
        flush=True,
    )
    return 0 if outcome.finished else EXIT_INTERRUPTED
