"""An LLM judge, and the measurements that say whether to trust it.

    cases = judge.load_labels()                       # answers labelled by the course
    graded = judge.grade_all(backend, cases)          # one verdict per answer (None: unparseable)
    judge.agreement(graded["label"], graded["verdict"])   # raw agreement, Cohen's kappa
    judge.position_bias(backend, judge.answer_pairs(cases))   # verdict flips when swapped?
    judge.length_bias(backend, cases)                 # verdict moves when padded?

A judge is a classifier whose labels are words, so it is checked like one: against labels a
person wrote and justified (`sprints/06-llmops/data/judge_labels.jsonl`), with a chance-corrected
agreement (Cohen's kappa) and a confusion matrix, and with two tests of known biases of LLM
judges (Zheng et al., *Judging LLM-as-a-judge with MT-Bench and Chatbot Arena*, 2023): the
position of an answer in a pairwise comparison, and its length. The harness takes any backend
of `mlops_course.llm`, so the same code checks the local 135M model and a stronger one.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mlops_course import settings
from mlops_course.llm import ChatBackend

DATA_DIR = settings.SPRINTS_DIR / "06-llmops" / "data"
LABELS_FILE = DATA_DIR / "judge_labels.jsonl"
# The judge's replies from the real SmolLM2, replayed in fast mode. Kept apart from
# recorded_responses.json so that re-recording the judge never touches the assistant's answers.
RECORDINGS_FILE = DATA_DIR / "judge_recordings.json"

CORRECT, INCORRECT = "correct", "incorrect"
LABELS = (CORRECT, INCORRECT)
UNPARSEABLE = "unparseable"
VERDICT_TOKENS = 16  # room for "The answer is CORRECT." and nothing long

RUBRIC = """You grade answers to questions about a machine-learning course.
An answer is CORRECT when it states the same facts as the reference answer: other words,
extra true detail or a correctly converted unit are fine.
An answer is INCORRECT when it contradicts the reference, gives a wrong number or a wrong unit,
gives only part of what the question asks for, or does not answer (a refusal, "I don't know").
Reply with one word: CORRECT or INCORRECT."""

PAIRWISE = """You compare two answers to a question about a machine-learning course, using the
reference answer. Pick the answer that states the facts of the reference more accurately.
Reply with one letter: A or B."""

# Neutral padding: true of any answer, adds no fact. If a verdict moves when it is added, the
# judge is reading length or politeness, not content.
FILLER = ("I hope this helps. This is based on the course material provided. "
          "Let me know if you would like more detail on any part of it.")


class JudgeDataError(ValueError):
    """The labelled answers file is malformed; the message names the line."""


@dataclass(frozen=True)
class LabelledAnswer:
    """One answer to a course question, with the course's label and why."""

    id: str
    question_id: str
    question: str
    reference: str
    answer: str
    kind: str
    label: str
    justification: str


def load_labels(path: str | Path = LABELS_FILE) -> list[LabelledAnswer]:
    """The labelled answers, in file order; every label must be one of `LABELS`."""
    cases = []
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("label") not in LABELS:
            raise JudgeDataError(f"{path}:{number}: label {row.get('label')!r} not in {LABELS}")
        cases.append(LabelledAnswer(**row))
    return cases


# --- one verdict ------------------------------------------------------------------------------


def grading_messages(question: str, reference: str, answer: str) -> list[dict[str, str]]:
    """The judge's request: the rubric as the system message, the case as the user message."""
    case = f"Question: {question}\nReference answer: {reference}\nAnswer to grade: {answer}"
    return [{"role": "system", "content": RUBRIC},
            {"role": "user", "content": case + "\n\nVerdict (CORRECT or INCORRECT):"}]


_VERDICT = re.compile(r"\b(in)?correct\b", re.IGNORECASE)
_NEGATED = re.compile(r"\bnot\s+correct\b", re.IGNORECASE)


def parse_verdict(text: str) -> str | None:
    """`correct`, `incorrect`, or None when the reply is not a verdict.

    "not correct" counts as incorrect. A reply that names both labels (it repeats the
    instruction, or hedges) is not a verdict: guessing one would hide how often the judge
    fails to answer, which is itself a measurement.
    """
    text = _NEGATED.sub("incorrect", text)
    found = {match.group(0).lower() for match in _VERDICT.finditer(text)}
    return found.pop() if len(found) == 1 else None


def grade(backend: ChatBackend, question: str, reference: str,
          answer: str) -> tuple[str, str | None]:
    """The judge's reply and the verdict parsed from it (greedy decoding: repeatable)."""
    reply = backend.complete(grading_messages(question, reference, answer),
                             max_tokens=VERDICT_TOKENS, temperature=0.0).text
    return reply, parse_verdict(reply)


def grade_all(backend: ChatBackend, cases: Sequence[LabelledAnswer]) -> pd.DataFrame:
    """One row per case: id, kind, the course's label, the judge's reply and its verdict."""
    rows = []
    for case in cases:
        reply, verdict = grade(backend, case.question, case.reference, case.answer)
        rows.append({"id": case.id, "kind": case.kind, "label": case.label,
                     "verdict": verdict, "reply": reply})
    return pd.DataFrame(rows)


# --- agreement --------------------------------------------------------------------------------


def cohen_kappa(rater_a: Sequence[Hashable], rater_b: Sequence[Hashable]) -> float:
    """Cohen's kappa of two raters over the same items: (p_o - p_e) / (1 - p_e).

    p_o is the share of items they label alike; p_e the share they would agree on by chance,
    each labelling at random with their own label frequencies (the sum over labels of the
    product of the two raters' shares). Undefined (nan) when p_e is 1: both gave one and the
    same label to everything, so there is no disagreement that chance could explain.
    """
    if len(rater_a) != len(rater_b) or not rater_a:
        raise ValueError(f"expected two equal, non-empty label lists, got {len(rater_a)} and "
                         f"{len(rater_b)} labels")
    n = len(rater_a)
    observed = sum(a == b for a, b in zip(rater_a, rater_b, strict=True)) / n
    count_a, count_b = Counter(rater_a), Counter(rater_b)
    chance = sum(count_a[label] * count_b[label] for label in count_a) / n**2
    return float("nan") if chance == 1 else (observed - chance) / (1 - chance)


def verdict_labels(verdicts: Iterable[str | None]) -> list[str]:
    """Verdicts with None (unparseable) as a label of its own, so it counts as disagreement."""
    return [UNPARSEABLE if v is None else v for v in verdicts]


def agreement(reference: Iterable[str], verdicts: Iterable[str | None]) -> dict[str, float]:
    """How far a judge agrees with the reference labels, unparseable replies included."""
    reference, judged = list(reference), verdict_labels(verdicts)
    return {
        "answers": len(reference),
        "unparseable": judged.count(UNPARSEABLE),
        "raw_agreement": sum(map(str.__eq__, reference, judged)) / len(reference),
        "kappa": cohen_kappa(reference, judged),
    }


def confusion(reference: Iterable[str], verdicts: Iterable[str | None]) -> pd.DataFrame:
    """Counts of (course label, judge verdict), every label shown even when its count is 0."""
    judged = verdict_labels(verdicts)
    table = pd.crosstab(pd.Series(list(reference), name="course label"),
                        pd.Series(judged, name="judge verdict"))
    columns = [*LABELS, UNPARSEABLE]
    return table.reindex(index=list(LABELS), columns=columns, fill_value=0)


# --- position bias ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerPair:
    """Two answers to one question: one the course labelled correct, one incorrect."""

    question: str
    reference: str
    correct: str
    incorrect: str


def answer_pairs(cases: Sequence[LabelledAnswer]) -> list[AnswerPair]:
    """For every question with both labels, its first correct and first incorrect answer."""
    by_question: dict[str, dict[str, LabelledAnswer]] = {}
    for case in cases:
        by_question.setdefault(case.question_id, {}).setdefault(case.label, case)
    return [AnswerPair(pair[CORRECT].question, pair[CORRECT].reference,
                       pair[CORRECT].answer, pair[INCORRECT].answer)
            for pair in by_question.values() if len(pair) == 2]


def pairwise_messages(question: str, reference: str, answer_a: str,
                      answer_b: str) -> list[dict[str, str]]:
    """The judge's request for a pairwise comparison of answers A and B."""
    case = (f"Question: {question}\nReference answer: {reference}\n"
            f"Answer A: {answer_a}\nAnswer B: {answer_b}")
    return [{"role": "system", "content": PAIRWISE},
            {"role": "user", "content": case + "\n\nBetter answer (A or B):"}]


_CHOICE = re.compile(r"\b(?:answer\s+)?([AB])\b")


def parse_choice(text: str) -> str | None:
    """`A`, `B`, or None when the reply names neither or both (a capital letter on its own)."""
    found = set(_CHOICE.findall(text))
    return found.pop() if len(found) == 1 else None


def position_bias(backend: ChatBackend, pairs: Sequence[AnswerPair]) -> pd.DataFrame:
    """Each pair judged twice, the correct answer first then second.

    A judge that reads content picks the same answer both times; `consistent` is False when
    the pick follows the position instead (or a reply was unparseable).
    """
    rows = []
    for pair in pairs:
        picks = {}
        for order, (a, b) in {"correct first": (pair.correct, pair.incorrect),
                              "correct second": (pair.incorrect, pair.correct)}.items():
            reply = backend.complete(pairwise_messages(pair.question, pair.reference, a, b),
                                     max_tokens=VERDICT_TOKENS, temperature=0.0).text
            picks[order] = parse_choice(reply)
        first, second = picks["correct first"], picks["correct second"]
        rows.append({"question": pair.question, "correct first": first, "correct second": second,
                     "consistent": first is not None and second is not None and first != second,
                     "picked correct both times": first == "A" and second == "B"})
    return pd.DataFrame(rows)


# --- length bias ------------------------------------------------------------------------------


def pad(answer: str, filler: str = FILLER) -> str:
    """The same answer followed by neutral filler that adds no fact."""
    return f"{answer} {filler}"


def length_bias(backend: ChatBackend, cases: Sequence[LabelledAnswer],
                filler: str = FILLER) -> pd.DataFrame:
    """Each answer judged as written and padded; `moved` when the two verdicts differ."""
    rows = []
    for case in cases:
        _, plain = grade(backend, case.question, case.reference, case.answer)
        _, padded = grade(backend, case.question, case.reference, pad(case.answer, filler))
        rows.append({"id": case.id, "label": case.label, "plain": plain, "padded": padded,
                     "moved": plain != padded})
    return pd.DataFrame(rows)
