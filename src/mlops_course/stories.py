"""User stories as data, and a check that their acceptance criteria can be tested.

A user story says who wants what and why ("As a <role>, I want <want>, so that <so_that>"); its
*acceptance criteria* say how anyone can tell it is met, and the team's *definition of done*
says what every finished ticket has (tests, review, docs). Written as data, a backlog can be
checked like code, the way `cards.check_project_card` checks the project card:

    problems = backlog_problems(stories, card)   # [] when every story is sound

A story may be a dict, a dataclass, a pydantic model, a named tuple or any object with those
five attributes; the field names may also be spelled as the sentence reads ("As a", "I want",
"So that", "criteria", "DoD"). A criterion may be a sentence, or a mapping such as
`{"given": ..., "when": ..., "then": ...}` whose values read as one.

"Testable" is checked by reading the words, so it is a heuristic, not a proof: a criterion
passes when it names a measurable quantity with a threshold ("MAE below 40 bikes per hour",
"p95 latency under 200 ms") or an observable behaviour ("returns 422", "the dashboard shows the
MAE of each window"), and fails when it leans on a vague word ("works well", "fast enough")
without a number.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any

FIELDS = ("role", "want", "so_that", "acceptance_criteria", "definition_of_done")
# Other spellings of the five fields, after lower-casing and turning non-letters into "_".
ALIASES = {
    "as_a": "role", "as_an": "role", "who": "role", "user": "role", "persona": "role",
    "i_want": "want", "i_want_to": "want", "goal": "want", "what": "want",
    "so_that": "so_that", "so": "so_that", "benefit": "so_that", "why": "so_that",
    "value": "so_that", "criteria": "acceptance_criteria", "acceptance": "acceptance_criteria",
    "ac": "acceptance_criteria", "dod": "definition_of_done", "done": "definition_of_done",
}

NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# A threshold: with a number ("under 200 ms", "at least 95 %", "before 18:00") ...
COMPARATOR = re.compile(
    r"<|>|≤|≥|\b(?:below|above|under|over|within|exceeds?|exceeding|beats?|up to|at most|"
    r"at least|no more than|no less than|not more than|not less than|fewer than|less than|"
    r"more than|lower than|higher than|smaller than|larger than|greater than|better than|"
    r"worse than|no later than|before|after|equals?|maximum|minimum)\b"
)
# ... or against a named reference ("MAE lower than the baseline's on the same holdout").
RELATIVE = re.compile(
    r"\b(?:below|above|beats?|at most|at least|no more than|no less than|fewer than|less than|"
    r"more than|lower than|higher than|smaller than|larger than|greater than)\b"
)
QUANTITY = re.compile(
    r"\b(?:mae|rmse|r2|error|errors|latency|p50|p90|p95|p99|percentile|throughput|accuracy|"
    r"precision|recall|share|rate|ratio|count|rows|requests|seconds?|ms|minutes?|hours?|days?|"
    r"bikes?|percent|mb|gb|size|memory|score|bias|psi|drift)\b|%"
)
OBSERVABLE = re.compile(
    r"\b(?:returns?|responds?|answers?|rejects?|refuses?|raises?|logs?|logged|records?|"
    r"recorded|writes?|written|stores?|stored|saves?|saved|shows?|shown|displays?|lists?|"
    r"listed|prints?|sends?|sent|alerts?|notif(?:y|ies|ied)|fails?|exits?|blocks?|creates?|"
    r"created|opens?|registers?|registered|moves?|moved|points?|tags?|tagged|loads?|loaded|"
    r"serves?|served|contains?|includes?|names?|reports?|reported|appears?|exports?|"
    r"triggers?|triggered|produces?|keeps?|marks?|marked|links?|linked|publish(?:es|ed)?|holds?|"
    r"available)\b"
)
VAGUE = re.compile(
    r"\b(?:well|good|great|nice|fine|ok|okay|fast|faster|quick|quickly|slow|better|best|easy|"
    r"easily|friendly|user-friendly|intuitive|robust|reliable|reliably|properly|correctly|"
    r"appropriate|appropriately|reasonable|reasonably|efficient|efficiently|accurate|"
    r"accurately|smooth|smoothly|seamless|seamlessly|optimal|sufficient|sufficiently|"
    r"satisfactory|acceptable|as expected|high quality|low|high|enough|improved?|works?|"
    r"working)\b"
)
TEST_WORD = re.compile(r"\btest|pytest", re.I)
# Words of four letters or more that say nothing about who the user is.
STOPWORDS = frozenset({
    "each", "every", "team", "their", "they", "with", "from", "into", "that", "this", "those",
    "these", "what", "during", "evening", "morning", "watch", "watches", "people", "user",
})


class StoryError(ValueError):
    """A story cannot be read as role, want, so that, acceptance criteria and definition of done."""


@dataclasses.dataclass(frozen=True)
class UserStory:
    """One ticket of the backlog, in the five fields the course uses."""

    role: str
    want: str
    so_that: str
    acceptance_criteria: tuple[str, ...]
    definition_of_done: tuple[str, ...]

    def as_issue(self) -> str:
        """The story as the Markdown body of an issue, criteria and DoD as checklists."""
        lines = [f"As {_article(self.role)}, I want {self.want}, so that {self.so_that}.", ""]
        lines += ["### Acceptance criteria", ""]
        lines += [f"- [ ] {c}" for c in self.acceptance_criteria]
        lines += ["", "### Definition of done", ""]
        lines += [f"- [ ] {d}" for d in self.definition_of_done]
        return "\n".join(lines) + "\n"


def _article(role: str) -> str:
    role = role.strip()
    if re.match(r"(?i)^(a|an|the)\s", role):
        return role
    return ("an " if role[:1].lower() in "aeiou" else "a ") + role


def _key(name: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")
    return ALIASES.get(key, key)


def _fields(obj: Any) -> dict[str, Any]:
    """The attributes of a dict, dataclass, pydantic model, named tuple or plain object."""
    if isinstance(obj, Mapping):
        return dict(obj)
    if hasattr(obj, "model_dump"):  # pydantic 2
        return obj.model_dump()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if hasattr(obj, "_asdict"):  # named tuple
        return obj._asdict()
    if hasattr(obj, "__dict__"):
        return vars(obj)
    raise StoryError(
        f"a story must be a dict, a dataclass, a pydantic model or an object with attributes "
        f"{', '.join(FIELDS)}; got {type(obj).__name__}: {obj!r:.80}"
    )


def _text(value: Any) -> str:
    """A criterion as one sentence: a string, or the values of a mapping or object in order."""
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, Mapping) or dataclasses.is_dataclass(value) or hasattr(
        value, "model_dump"
    ):
        parts = _fields(value)
        return " ".join(f"{k} {_text(v)}" for k, v in parts.items() if _text(v))
    return " ".join(str(value).split())


def _items(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable) or isinstance(value, Mapping):
        value = [value]
    return tuple(_text(v) for v in value)


def as_story(obj: Any) -> UserStory:
    """Read one story, whatever its shape; StoryError names a missing field."""
    raw = {_key(k): v for k, v in _fields(obj).items()}
    missing = [f for f in FIELDS if f not in raw]
    if missing:
        raise StoryError(
            f"the story has no {', '.join(missing)} (its fields: {', '.join(sorted(raw))}); "
            f"a story needs {', '.join(FIELDS)}"
        )
    return UserStory(
        role=_text(raw["role"]),
        want=_text(raw["want"]),
        so_that=_text(raw["so_that"]),
        acceptance_criteria=_items(raw["acceptance_criteria"]),
        definition_of_done=_items(raw["definition_of_done"]),
    )


def criterion_problems(criterion: str) -> list[str]:
    """Why an acceptance criterion cannot be tested; `[]` when it can."""
    text = " ".join(str(criterion).lower().split())
    if len(text.split()) < 3:
        return [f"{criterion!r} is too short to say what is checked"]
    vague = VAGUE.search(text)
    if NUMBER.search(text) and (COMPARATOR.search(text) or not vague):
        return []  # a threshold or an exact count: "MAE below 40", "24 values, one per hour"
    if RELATIVE.search(text) and QUANTITY.search(text):
        return []  # against a named reference: "MAE lower than the baseline's"
    if vague:
        return [
            f"{criterion!r} leans on {vague.group(0)!r}, which nobody can measure; name a "
            "quantity and a threshold (e.g. 'MAE below 40 bikes per hour on the holdout')"
        ]
    if OBSERVABLE.search(text):
        return []  # an observable behaviour: "returns 422", "the dashboard shows ..."
    return [
        f"{criterion!r} names neither a measurable quantity with a threshold nor an observable "
        "behaviour (e.g. 'p95 latency under 200 ms', 'returns 422 for a negative temperature')"
    ]


def story_problems(story: Any) -> list[str]:
    """Every way one story is incomplete or untestable; `[]` when it is sound."""
    try:
        s = as_story(story)
    except StoryError as err:
        return [str(err)]
    problems = [f"{name} is empty" for name in ("role", "want", "so_that") if not getattr(s, name)]
    if s.want and s.so_that and _norm(s.want) == _norm(s.so_that):
        problems.append("so_that repeats want: say what the user gains, not what they ask for")
    if not any(s.acceptance_criteria):
        problems.append("no acceptance criteria: how will anyone know the story is done?")
    for criterion in s.acceptance_criteria:
        problems += criterion_problems(criterion)
    if len({_norm(c) for c in s.acceptance_criteria}) < len(s.acceptance_criteria):
        problems.append("the same acceptance criterion appears twice")
    if not any(s.definition_of_done):
        problems.append("no definition of done")
    elif not any(TEST_WORD.search(item) for item in s.definition_of_done):
        problems.append("the definition of done says nothing about tests")
    return problems


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _words(text: str) -> set[str]:
    """Content words of a phrase, a plural's final s dropped ("planners" and "planner" meet)."""
    words = re.findall(r"[a-z]{4,}", text.lower())
    return {w[:-1] if w.endswith("s") else w for w in words if w not in STOPWORDS}


def serves_a_card_user(story: UserStory, card: Mapping[str, Any]) -> bool:
    """Whether the story's role names one of the users on the project card."""
    users = card["problem"]["users"]
    return any(_words(story.role) & _words(user) for user in users)


# Comparisons that bound a metric from above ("MAE at most 40") or from below ("recall at
# least 0.9"). A lower-is-better target is met only by an upper bound, and the reverse.
AT_MOST = re.compile(
    r"<|≤|\b(?:below|under|at most|up to|no more than|not more than|no higher than|"
    r"no greater than|not above|less than|lower than|smaller than|fewer than|maximum(?: of)?)\b"
)
AT_LEAST = re.compile(
    r">|≥|\b(?:above|over|at least|no less than|not less than|no lower than|not below|"
    r"more than|greater than|higher than|larger than|exceeds?|exceeding|minimum(?: of)?)\b"
)
# Where the clause about the metric ends: "MAE above 30, and p95 under 35 ms" bounds the MAE
# from below, whatever the latency does.
CLAUSE_END = re.compile(r"[,;]|\b(?:and|but|while|whereas)\b|\.(?!\d)")


def states_the_card_target(story: UserStory, card: Mapping[str, Any]) -> bool:
    """Whether a criterion holds the card's metric to its "good enough" target (or better).

    The bound must point the right way ("MAE at most 40", not "MAE above 30") and sit in the
    clause that names the metric; the first number after it is the threshold (so "MAE over
    3 months at most 40" reads 40, not the window's 3).
    """
    metric = card["metric"]
    target, higher = float(metric["good_enough"]), bool(metric["higher_is_better"])
    bound = AT_LEAST if higher else AT_MOST
    names = {metric["name"].lower()}
    if metric["name"] == "mae":
        names.add("mean absolute error")
    for criterion in story.acceptance_criteria:
        text = criterion.lower()
        for name in names:
            for found in re.finditer(rf"\b{re.escape(name)}\b", text):
                end = CLAUSE_END.search(text, found.end())
                clause = text[found.end():end.start() if end else len(text)]
                for comparison in bound.finditer(clause):
                    number = NUMBER.search(clause, comparison.end())
                    if number:
                        value = float(number.group(0).replace(",", "."))
                        if (value >= target) if higher else (value <= target):
                            return True
                        break  # the threshold of this comparison is too loose
    return False


def backlog_problems(stories: Any, card: Mapping[str, Any]) -> list[str]:
    """Every problem of a backlog written for a project card; `[]` when it is sound.

    Each story must be sound (`story_problems`); no two stories ask for the same thing; at
    least one serves a user named on the card; and one makes the card's metric and its "good
    enough" target an acceptance criterion, so the product goal is a ticket, not a hope.
    """
    if isinstance(stories, Mapping | str) or not isinstance(stories, Iterable):
        return [f"expected a list of stories, got {type(stories).__name__}"]
    stories = list(stories)
    if len(stories) < 3:
        return [f"expected at least 3 stories, got {len(stories)}"]
    problems, read = [], []
    for number, story in enumerate(stories, 1):
        problems += [f"story {number}: {p}" for p in story_problems(story)]
        try:
            read.append(as_story(story))
        except StoryError:
            continue
    wants = [_norm(s.want) for s in read]
    repeated = sorted({w for w in wants if w and wants.count(w) > 1})
    problems += [f"two stories ask for the same thing: {w!r}; merge them" for w in repeated]
    if read and not any(serves_a_card_user(s, card) for s in read):
        problems.append(
            f"no story is written for a user on the project card ({card['problem']['users']})"
        )
    if read and not any(states_the_card_target(s, card) for s in read):
        metric = card["metric"]
        problems.append(
            f"no acceptance criterion holds {metric['name']} to the card's good_enough target "
            f"({metric['good_enough']} or better)"
        )
    return problems
