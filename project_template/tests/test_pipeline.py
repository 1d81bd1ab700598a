"""Pipeline tests: the KFP spec compiles and loads back; the pipeline runs locally."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from kfp import components

from mlproject import pipeline, registry
from mlproject import settings as cfg

STEPS = ["ingest", "validate", "train", "evaluate", "gate", "register"]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pipeline.compile_pipeline(tmp_path_factory.mktemp("kfp") / "pipeline.yaml")


def test_the_compiled_pipeline_loads_back_with_the_kfp_sdk(compiled: Path):
    loaded = components.load_component_from_file(str(compiled))
    assert loaded.name == pipeline.PIPELINE_NAME
    assert {"source", "tracking_uri", "train_end", "fast", "seed"} <= set(
        loaded.component_spec.inputs
    )


def test_every_step_runs_in_the_training_image(compiled: Path):
    spec = yaml.safe_load(compiled.read_text())
    tasks = spec["root"]["dag"]["tasks"]
    assert sorted(tasks) == sorted(STEPS)
    executors = spec["deploymentSpec"]["executors"]
    assert {e["container"]["image"] for e in executors.values()} == {pipeline.IMAGE}


def test_steps_that_depend_on_the_registry_are_never_cached(compiled: Path):
    tasks = yaml.safe_load(compiled.read_text())["root"]["dag"]["tasks"]
    for step in ("evaluate", "gate", "register"):
        assert not tasks[step]["cachingOptions"].get("enableCache", False), step
    assert tasks["ingest"]["cachingOptions"]["enableCache"] is True


def test_the_data_version_is_an_input_of_ingest_so_the_cache_follows_the_data(compiled: Path):
    tasks = yaml.safe_load(compiled.read_text())["root"]["dag"]["tasks"]
    ingest_inputs = tasks["ingest"]["inputs"]["parameters"]
    assert ingest_inputs["data_sha256"]["componentInputParameter"] == "data_sha256"
    settings = cfg.get_settings()
    arguments = pipeline.arguments(settings)
    assert len(arguments["data_sha256"]) == 64 and arguments["source"] == str(settings.data_file)


def test_training_waits_for_validation(compiled: Path):
    tasks = yaml.safe_load(compiled.read_text())["root"]["dag"]["tasks"]
    assert "validate" in tasks["train"]["dependentTasks"]


@pytest.mark.slow
def test_the_pipeline_runs_locally_and_registers_a_champion():
    settings = dataclasses.replace(cfg.get_settings(), model_name="pipeline-test")
    outcome = pipeline.run_local(fast=True, settings=settings)
    assert "promoted to champion" in outcome, outcome
    version = registry.champion_version("pipeline-test")
    assert version is not None and version.tags["gate.promoted"] == "true"
