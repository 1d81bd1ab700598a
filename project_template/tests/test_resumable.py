"""The resumable training job: stopped part way (in-process, by SIGTERM, by SIGKILL), resumed,
it ends with the same model, bit for bit, as a run that was never stopped.

A small job (40 rounds in chunks of 10) keeps these fast; the property does not depend on size.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import ROOT
from mlproject import data, resumable, train
from mlproject import settings as cfg

ROUNDS, CHUNK, TRAIN_END = 40, 10, "2012-10-01"


@pytest.fixture(scope="module")
def config(frame: pd.DataFrame) -> resumable.JobConfig:
    settings = cfg.get_settings()
    sha = data.verify_checksum(settings.data_file, settings.datacard_file)
    return resumable.JobConfig(ROUNDS, CHUNK, TRAIN_END, cfg.SEED, sha)


@pytest.fixture(scope="module")
def uninterrupted(config, frame, tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("uninterrupted")
    outcome = resumable.run(workdir, config, frame)
    assert outcome.finished and outcome.chunks_run == ROUNDS // CHUNK
    return workdir


def holdout(frame: pd.DataFrame) -> pd.DataFrame:
    return data.training_split(frame, TRAIN_END)[1]


class StopAfter(resumable.StopFlag):
    """Stops the job once it has checkpointed `chunks` chunks (a SIGTERM at a known moment)."""

    def __init__(self, workdir: Path, chunks: int) -> None:
        super().__init__()
        self.workdir, self.chunks = workdir, chunks

    def is_set(self) -> bool:
        progress = self.workdir / resumable.PROGRESS
        if not progress.exists():
            return False
        return json.loads(progress.read_text())["rounds_done"] >= self.chunks * CHUNK


# ------------------------------------------------------------------ model behaviour


def test_chunked_warm_start_equals_one_fit_of_all_rounds(uninterrupted, frame):
    rows = data.training_split(frame, TRAIN_END)[0]
    one_fit = train.fit(rows, max_iter=ROUNDS)
    chunked = resumable.load_model(uninterrupted)
    x = data.prepare_features(holdout(frame))
    np.testing.assert_array_equal(chunked.predict(x), one_fit.predict(x))


@pytest.mark.parametrize("stopped_after", [1, 3])
def test_a_stopped_job_resumes_to_the_same_model(stopped_after, config, frame, uninterrupted,
                                                 tmp_path):  # fmt: skip
    first = resumable.run(tmp_path, config, frame, stop=StopAfter(tmp_path, stopped_after))
    assert not first.finished and first.rounds_done == stopped_after * CHUNK
    assert not (tmp_path / resumable.MODEL).exists()
    second = resumable.run(tmp_path, config, frame)
    assert second.finished and second.resumed_from == stopped_after * CHUNK
    assert second.chunks_run == ROUNDS // CHUNK - stopped_after
    result = json.loads((tmp_path / resumable.RESULT).read_text())
    expected = json.loads((uninterrupted / resumable.RESULT).read_text())
    assert result == expected
    tried = resumable.attempts(tmp_path)
    assert [a["resumed_from"] for a in tried] == [0, stopped_after * CHUNK]
    assert [a["finished"] for a in tried] == [False, True]


def test_a_finished_job_run_again_does_no_work(config, frame, uninterrupted):
    again = resumable.run(uninterrupted, config, frame)
    assert again.finished and again.chunks_run == 0 and again.resumed_from == ROUNDS


def test_a_checkpoint_from_other_settings_is_refused(config, frame, tmp_path):
    resumable.run(tmp_path, config, frame, stop=StopAfter(tmp_path, 1))
    other = resumable.JobConfig(ROUNDS, CHUNK, TRAIN_END, cfg.SEED + 1, config.data_sha256)
    with pytest.raises(resumable.CheckpointMismatchError, match="other settings"):
        resumable.run(tmp_path, other, frame)


# ------------------------------------------------------------------ real signals


def start(workdir: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "mlproject", "train-resumable", "--workdir", str(workdir)]
    command += ["--rounds", str(ROUNDS), "--chunk", str(CHUNK), "--train-end", TRAIN_END]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wait_for_rounds(workdir: Path, process: subprocess.Popen[bytes], rounds: int) -> None:
    progress = workdir / resumable.PROGRESS
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if progress.exists() and json.loads(progress.read_text())["rounds_done"] >= rounds:
            return
        time.sleep(0.02)
    raise AssertionError(f"no checkpoint at round {rounds}: {process.communicate()[0]!r}")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_killed_process_restarted_ends_with_the_uninterrupted_result(sig, uninterrupted,
                                                                       tmp_path):  # fmt: skip
    process = start(tmp_path)
    wait_for_rounds(tmp_path, process, CHUNK)
    process.send_signal(sig)
    code = process.wait(timeout=120)
    output = process.stdout.read().decode() if process.stdout else ""
    # SIGTERM: the chunk in progress is finished and saved, then the job exits with 143.
    # SIGKILL: the process dies at once; the last whole checkpoint is still on disk.
    assert code == (resumable.EXIT_INTERRUPTED if sig == signal.SIGTERM else -signal.SIGKILL)
    if sig == signal.SIGTERM:
        assert "stopped by SIGTERM" in output, output
    done = json.loads((tmp_path / resumable.PROGRESS).read_text())["rounds_done"]
    assert CHUNK <= done < ROUNDS, "the signal came too late to test a resume"
    restarted = start(tmp_path)
    assert restarted.wait(timeout=120) == 0, restarted.stdout.read() if restarted.stdout else ""
    result = json.loads((tmp_path / resumable.RESULT).read_text())
    assert result == json.loads((uninterrupted / resumable.RESULT).read_text())
    assert not list(tmp_path.glob(".*.tmp")), "a temporary file was left behind"
