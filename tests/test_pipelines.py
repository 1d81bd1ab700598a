"""The course's KFP pipeline: it compiles to YAML that loads back, and runs locally with caching."""

# No `from __future__ import annotations`: KFP reads the test components' type hints.

from pathlib import Path

import pytest
import yaml
from kfp import components, dsl

from mlops_course import continuous, pipelines, tracking

STEPS = ["ingest", "validate", "train", "evaluate", "gate", "register"]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kfp") / "training.yaml"
    return pipelines.compile_pipeline(pipelines.training_pipeline, path)


def test_the_compiled_pipeline_loads_back_with_the_kfp_sdk(compiled):
    loaded = components.load_component_from_file(str(compiled))
    assert loaded.name == pipelines.PIPELINE_NAME
    assert {"train_end", "data_sha256", "store", "fast", "seed", "min_gain"} <= set(
        loaded.component_spec.inputs
    )
    assert set(loaded.component_spec.outputs) == {"Output"}


def test_every_step_is_in_the_yaml_and_runs_in_the_course_image(compiled):
    spec = yaml.safe_load(compiled.read_text())
    assert sorted(spec["root"]["dag"]["tasks"]) == sorted(STEPS)
    images = {e["container"]["image"] for e in spec["deploymentSpec"]["executors"].values()}
    assert images == {pipelines.IMAGE}


def test_only_the_steps_that_read_the_registry_opt_out_of_the_cache(compiled):
    tasks = yaml.safe_load(compiled.read_text())["root"]["dag"]["tasks"]
    cached = {name: task["cachingOptions"].get("enableCache", False) for name, task in
              tasks.items()}
    assert cached == {"ingest": True, "validate": True, "train": True, "evaluate": False,
                      "gate": True, "register": False}


def test_training_waits_for_validation(compiled):
    tasks = yaml.safe_load(compiled.read_text())["root"]["dag"]["tasks"]
    assert "validate" in tasks["train"]["dependentTasks"]


def test_the_gate_component_calls_the_course_gate():
    promote, reason = pipelines.gate.python_func(
        candidate_mae=40.0, baseline_mae=60.0, champion_mae=-1.0, min_gain=0.0
    )
    assert promote and "no champion yet" in reason


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


def test_the_ingest_step_refuses_another_data_version(tmp_path):
    arguments = {"train_end": "2011-06-01", "data_sha256": "0" * 64, "store": str(tmp_path)}
    with pytest.raises(pipelines.PipelineFailed, match="pass the data card's checksum"):
        pipelines.run_local(pipelines.training_pipeline, arguments, pipeline_root=tmp_path,
                            cache=False)


@pytest.mark.slow
def test_the_pipeline_registers_a_champion_then_caches_what_did_not_change(tmp_path):
    store = tracking.local_store(tmp_path / "mlflow")
    arguments = {"train_end": "2012-01-01", "data_sha256": pipelines.data_version(),
                 "store": str(store.folder), "fast": True}
    options = {"pipeline_root": tmp_path / "runs"}
    first = pipelines.run_local(pipelines.training_pipeline, arguments, **options)
    assert first.output.startswith("version 1 is champion: promoted"), first.output
    assert sorted(first.executed) == sorted(STEPS)
    champion = continuous.champion(store)
    assert champion.version == "1" and 0 < champion.expected_mae < 60
    assert champion.train_end == "2012-01-01"

    second = pipelines.run_local(pipelines.training_pipeline, arguments, **options)
    assert set(second.cached) >= {"ingest", "validate", "train"}
    assert {"evaluate", "register"} <= set(second.executed)
    assert second.output.startswith("version 2 is challenger: blocked"), second.output
    assert continuous.champion(store).version == "1"
