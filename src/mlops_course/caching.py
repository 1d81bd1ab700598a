"""A prediction cache: the same request, the same answer, without asking the model again.

    cache = PredictionCache(predictor.predict, precision={"temp": 1.0, "hum": 5.0})
    rentals = cache.predict(records)           # misses go to the model in one batch
    cache.hit_rate

A cache pays off when requests repeat. Model inputs with continuous values (temperature,
humidity) rarely repeat exactly, so the key can round them: a coarser key hits more often but
answers with the prediction of a slightly different input. Measure both effects (hit rate and
error) before choosing a precision.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any


class PredictionCache:
    """An LRU cache in front of `predict_many`, keyed by the request with rounded numbers.

    `precision` maps a field to the step its value is rounded to (e.g. `{"temp": 1.0}` keys
    18.4 °C and 17.6 °C as 18); fields not listed are used as they are.
    """

    def __init__(
        self,
        predict_many: Callable[[list[Mapping[str, Any]]], Sequence[float]],
        *,
        precision: Mapping[str, float] | None = None,
        maxsize: int = 10_000,
    ) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, got {maxsize}.")
        self.predict_many = predict_many
        self.precision = dict(precision or {})
        self.maxsize = maxsize
        self._store: OrderedDict[tuple, float] = OrderedDict()
        self.hits = self.misses = 0

    def key(self, record: Mapping[str, Any]) -> tuple:
        """The cache key of a request: its fields in a fixed order, numbers rounded."""
        parts = []
        for name in sorted(record):
            value = record[name]
            step = self.precision.get(name)
            if step and value is not None:
                value = round(round(float(value) / step) * step, 10)
            parts.append((name, value))
        return tuple(parts)

    def rounded(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The request the cached answer is computed for (the key as a record)."""
        return dict(self.key(record))

    def predict(self, records: Sequence[Mapping[str, Any]]) -> list[float]:
        """Answers for `records`: cached ones from the cache, the others in one model call."""
        keys = [self.key(r) for r in records]
        cached: dict[tuple, float] = {}
        missing: dict[tuple, dict[str, Any]] = {}
        for key in keys:
            if key in self._store:
                self._store.move_to_end(key)
                cached[key] = self._store[key]
            else:
                missing.setdefault(key, dict(key))
        fresh: dict[tuple, float] = {}
        if missing:
            fresh = dict(zip(missing, self.predict_many(list(missing.values())), strict=True))
            for key, answer in fresh.items():
                self._store[key] = answer
                while len(self._store) > self.maxsize:
                    self._store.popitem(last=False)
        self.misses += sum(1 for key in keys if key in fresh)
        self.hits += sum(1 for key in keys if key not in fresh)
        return [fresh[key] if key in fresh else cached[key] for key in keys]

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def __len__(self) -> int:
        return len(self._store)
