"""The kfp.local harness (ran, cached, failed steps); mlproject's pipeline run through it."""

# No `from __future__ import annotations`: KFP reads the test components' type hints.

import dataclasses
from pathlib import Path

import pytest
from kfp import dsl
from mlproject import pipeline
from mlproject import settings as project_settings

from mlops_course import pipelines

STEPS = ["ingest", "validate", "train", "evaluate", "gate", "register"]

@dsl.component(base_image="python:3.11", install_kfp_package=False)
def _double(x: float) -> float:
    return 2 * x


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def _explode(x: float) -> float:
    raise ValueError(f"no good: {x}")


@dsl.pipeline
def _twice(x: float) -> float:
    return _double(x=_double(x=x).output).output


@dsl.pipeline
def _broken(x: float) -> float:
    return _explode(x=x).output


def test_a_second_run_with_the_same_inputs_comes_from_the_cache(tmp_path):
    options = {"pipeline_root": tmp_path, "cache_root": tmp_path / "cache"}
    first = pipelines.run_local(_twice, {"x": 3.0}, **options, log_file=tmp_path / "log.txt")
    assert first.output == 12.0
    assert len(first.executed) == 2 and first.cached == []
    assert "Executing task" in (tmp_path / "log.txt").read_text()
    again = pipelines.run_local(_twice, {"x": 3.0}, **options)
    assert again.output == 12.0 and again.executed == [] and len(again.cached) == 2
    other = pipelines.run_local(_twice, {"x": 4.0}, **options)
    assert other.output == 16.0 and len(other.executed) == 2
    uncached = pipelines.run_local(_twice, {"x": 3.0}, **options, cache=False)
    assert len(uncached.executed) == 2 and uncached.cached == []


def test_a_failed_step_is_named_with_the_end_of_its_log(tmp_path):
    with pytest.raises(pipelines.PipelineFailed) as failure:
        pipelines.run_local(_broken, {"x": 1.0}, pipeline_root=tmp_path, cache=False)
    message = str(failure.value)
    assert "explode" in message and "ValueError: no good: 1.0" in message
    assert "\x1b[" not in message  # no terminal colour codes in what a student reads
    assert failure.value.run.failed


def _settings(tmp_path: Path) -> project_settings.Settings:
    return dataclasses.replace(
        project_settings.get_settings(),
        tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
        artifact_location=(tmp_path / "mlruns").as_uri(),
        pipeline_root=tmp_path / "runs",
    )


def test_the_templates_ingest_step_refuses_another_data_version_through_the_harness(tmp_path):
    arguments = pipeline.arguments(_settings(tmp_path), train_end="2011-06-01") | {
        "data_sha256": "0" * 64
    }
    with pytest.raises(pipelines.PipelineFailed, match="ingest") as failure:
        pipelines.run_local(pipeline.training_pipeline, arguments, pipeline_root=tmp_path,
                            cache=False)
    assert "the run asked for 000000000000" in str(failure.value)


@pytest.mark.slow
def test_the_templates_pipeline_registers_a_champion_then_caches_what_did_not_change(tmp_path):
    settings = _settings(tmp_path)
    arguments = pipeline.arguments(settings, fast=True)
    first = pipelines.run_local(pipeline.training_pipeline, arguments,
                                pipeline_root=settings.pipeline_root)
    assert first.output.startswith("version 1 promoted to champion"), first.output
    assert sorted(first.executed) == sorted(STEPS)

    second = pipelines.run_local(pipeline.training_pipeline, arguments,
                                 pipeline_root=settings.pipeline_root)
    assert set(second.cached) >= {"ingest", "validate", "train"}
    assert {"evaluate", "gate", "register"} <= set(second.executed)
    assert second.output.startswith("version 2 kept as challenger"), second.output
