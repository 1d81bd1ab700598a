"""The course assistant: one traced request through guardrails, retrieval, a prompt and a model.

    assistant = Assistant(index, backend_from_env(fast=FAST), template=PROMPTS["v2"])
    reply = assistant.answer("Which columns must never be features?")
    reply.text, reply.hits, reply.completion.latency_s

Every call is an MLflow trace with one span per step:

    answer (CHAIN)
    ├── input guardrails (GUARDRAIL)   personal data masked, prompt injection refused
    ├── retrieve (RETRIEVER)           the top-k chunks, with their sources and scores
    └── generate (CHAT_MODEL)          the messages sent, the text back, token usage

Prompt templates use MLflow's `{{variable}}` syntax and the chat-message shape that
`mlflow.genai.register_prompt` stores, so a template loaded from the prompt registry drops in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mlops_course import guardrails
from mlops_course.llm import ChatBackend, Completion
from mlops_course.rag import Hit, VectorIndex, context_block

Template = list[dict[str, str]]

# Two versions of the answer prompt. v1 is what people write first: the context and the
# question, nothing else. v2 says who is answering, from what, and how briefly; small models
# need that more than large ones.
PROMPTS: dict[str, Template] = {
    "v1": [
        {"role": "user", "content": "{{context}}\n\n{{question}}"},
    ],
    "v2": [
        {"role": "system", "content": (
            "Answer the question about the MLOps course using only the context. "
            "Reply with one short sentence.")},
        {"role": "user", "content": "Context:\n{{context}}\n\nQuestion: {{question}}"},
    ],
}
REFUSAL = "I can't help with that request."
DEFAULT_K = 3
DEFAULT_MAX_TOKENS = 48
CONTEXT_CHARS = 1200

_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def variables(template: Template | str) -> set[str]:
    """The `{{names}}` a template expects."""
    texts = [template] if isinstance(template, str) else [m["content"] for m in template]
    return {name for text in texts for name in _VARIABLE.findall(text)}


def render(template: Template, **values: str) -> list[dict[str, str]]:
    """Fill a chat template's `{{variables}}`; a missing value is an error, not an empty gap."""
    missing = variables(template) - set(values)
    if missing:
        raise KeyError(f"the template needs values for {sorted(missing)}")
    return [
        {"role": m["role"], "content": _VARIABLE.sub(lambda x: str(values[x.group(1)]),
                                                     m["content"])}
        for m in template
    ]


@dataclass
class Answer:
    """The assistant's answer and how it got there."""

    question: str
    text: str
    hits: list[Hit] = field(default_factory=list)
    completion: Completion | None = None
    blocked: list[str] = field(default_factory=list)  # guardrail reasons, when refused
    pii: list[str] = field(default_factory=list)      # kinds of personal data masked

    @property
    def context(self) -> str:
        return context_block(self.hits, CONTEXT_CHARS)


class Assistant:
    """Guardrails, retrieval, prompt and model as one traced call.

    `template` is a chat template (e.g. `PROMPTS["v2"]`, or `load_prompt(...).template`);
    `prompt_uri` names where it came from (`prompts:/course-answer/2`), recorded on the trace.
    """

    def __init__(self, index: VectorIndex, backend: ChatBackend, *,
                 template: Template | None = None, prompt_uri: str | None = None,
                 k: int = DEFAULT_K, max_tokens: int = DEFAULT_MAX_TOKENS) -> None:
        self.index, self.backend = index, backend
        self.template = template or PROMPTS["v2"]
        self.prompt_uri, self.k, self.max_tokens = prompt_uri, k, max_tokens

    def messages(self, question: str, hits: Sequence[Hit]) -> list[dict[str, str]]:
        """The exact messages sent to the model for a question and its retrieved chunks."""
        return render(self.template, question=question, context=context_block(hits, CONTEXT_CHARS))

    def answer(self, question: str) -> Answer:
        import mlflow
        from mlflow.entities import SpanType

        with mlflow.start_span(name="answer", span_type=SpanType.CHAIN) as root:
            root.set_inputs({"question": question})
            root.set_attributes({"backend": self.backend.name, "model": self.backend.model,
                                 "prompt": self.prompt_uri or "inline", "k": self.k})
            with mlflow.start_span(name="input guardrails", span_type=SpanType.GUARDRAIL) as span:
                masked = guardrails.mask_pii(question)
                verdict = guardrails.detect_injection(masked.text)
                span.set_inputs({"text": question})
                span.set_outputs({"masked": masked.text, "pii": sorted(masked.kinds),
                                  "injection": verdict.reasons})
            if verdict.flagged:
                reply = Answer(question, REFUSAL, blocked=verdict.reasons,
                               pii=sorted(masked.kinds))
                root.set_outputs(reply.text)
                root.set_attribute("blocked", ",".join(verdict.reasons))
                return reply
            with mlflow.start_span(name="retrieve", span_type=SpanType.RETRIEVER) as span:
                span.set_inputs({"query": masked.text, "k": self.k})
                hits = self.index.search(masked.text, k=self.k)
                span.set_outputs([_document(hit) for hit in hits])
            messages = self.messages(masked.text, hits)
            with mlflow.start_span(name="generate", span_type=SpanType.CHAT_MODEL) as span:
                span.set_inputs({"messages": messages, "max_tokens": self.max_tokens})
                completion = self.backend.complete(messages, max_tokens=self.max_tokens)
                span.set_outputs(completion.text)
                span.set_attributes({
                    "model": completion.model, "backend": completion.backend,
                    "latency_s": round(completion.latency_s, 3),
                    "mlflow.chat.tokenUsage": {
                        "input_tokens": completion.prompt_tokens,
                        "output_tokens": completion.completion_tokens,
                        "total_tokens": completion.prompt_tokens + completion.completion_tokens,
                    },
                })
            root.set_outputs(completion.text)
        return Answer(question, completion.text, list(hits), completion,
                      pii=sorted(masked.kinds))

    def __call__(self, question: str) -> str:
        """Only the text: the shape `mlflow.genai.evaluate(predict_fn=...)` expects."""
        return self.answer(question).text


def _document(hit: Hit) -> dict[str, Any]:
    """A retrieved chunk in the shape MLflow's trace viewer shows as a document."""
    return {"id": hit.chunk.id, "page_content": hit.chunk.text,
            "metadata": {"source": hit.chunk.source, "score": round(hit.score, 4),
                         "rank": hit.rank}}


# --- scoring answers without a judge model ------------------------------------------------------

_STOP = frozenset({
    "a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "is", "are", "was", "were",
    "be", "by", "with", "as", "at", "it", "its", "this", "that", "which", "what", "how", "why",
    "when", "who", "do", "does", "did", "i", "you", "your", "from", "into", "than", "then",
    "there", "their", "can", "will", "would", "should", "about", "not", "no", "yes",
})


def content_words(text: str) -> set[str]:
    """Lower-case words and numbers that carry meaning (stop words and punctuation dropped)."""
    return {w for w in re.findall(r"[a-z0-9][a-z0-9_.+-]*[a-z0-9]|[a-z0-9]", text.lower())
            if w not in _STOP}


def answer_recall(answer: str, reference: str) -> float:
    """Share of the reference answer's content words that the answer contains (0 to 1)."""
    wanted = content_words(reference)
    return len(wanted & content_words(answer)) / len(wanted) if wanted else 0.0


def grounding(answer: str, context: str) -> float:
    """Share of the answer's content words that appear in the retrieved context (0 to 1).

    A crude but local check of "did the answer come from the context": words the model
    added on its own lower it.
    """
    said = content_words(answer)
    return len(said & content_words(context)) / len(said) if said else 0.0


# --- the prompt registry ------------------------------------------------------------------------


def register_prompt(name: str, template: Template | str, commit_message: str = ""):
    """Register `template` as a new version of prompt `name`, unless a version already holds
    exactly this template (then return that version): re-running a notebook does not pile up
    identical versions. Returns MLflow's `PromptVersion`.
    """
    import mlflow

    try:
        latest = mlflow.genai.load_prompt(f"prompts:/{name}@latest", link_to_model=False)
    except Exception:  # noqa: BLE001 - no such prompt yet: the normal first case
        latest = None
    if latest is not None:
        for number in range(int(latest.version), 0, -1):
            existing = mlflow.genai.load_prompt(name, version=number, link_to_model=False)
            if existing.template == template:
                return existing
    return mlflow.genai.register_prompt(name=name, template=template,
                                        commit_message=commit_message or None)
