"""Micro-batching and the prediction cache."""

from __future__ import annotations

import asyncio
import time

import pytest

from mlops_course.batching import MicroBatcher
from mlops_course.caching import PredictionCache


def test_concurrent_requests_share_model_calls_and_get_their_own_answers():
    calls = []

    def predict_many(items):
        calls.append(len(items))
        time.sleep(0.002)
        return [2 * x for x in items]

    async def main():
        batcher = MicroBatcher(predict_many, max_batch=16, max_wait=0.01)
        answers = await asyncio.gather(*(batcher.predict(i) for i in range(64)))
        await batcher.close()
        return answers, batcher.stats

    answers, stats = asyncio.run(main())
    assert answers == [2 * i for i in range(64)]
    assert stats.items == 64 and stats.batches == len(calls) <= 8
    assert max(calls) <= 16 and stats.mean_batch >= 8


def test_a_failing_model_call_fails_every_waiting_request_instead_of_hanging():
    def broken(items):
        raise RuntimeError("model crashed")

    async def main():
        batcher = MicroBatcher(broken, max_batch=4, max_wait=0.01)
        results = await asyncio.wait_for(
            asyncio.gather(*(batcher.predict(i) for i in range(6)), return_exceptions=True), 5
        )
        await batcher.close()
        return results

    assert all(isinstance(r, RuntimeError) for r in asyncio.run(main()))


def test_the_cache_answers_repeats_without_calling_the_model():
    seen = []

    def predict_many(records):
        seen.append(len(records))
        return [r["temp"] * 10 for r in records]

    cache = PredictionCache(predict_many)
    first = cache.predict([{"temp": 1.0}, {"temp": 2.0}, {"temp": 1.0}])
    second = cache.predict([{"temp": 2.0}])
    assert first == [10.0, 20.0, 10.0] and second == [20.0]
    assert seen == [2] and cache.hits == 1 and cache.misses == 3


def test_rounding_the_key_raises_the_hit_rate_and_answers_for_the_rounded_input():
    cache = PredictionCache(lambda rs: [r["temp"] for r in rs], precision={"temp": 1.0})
    answers = cache.predict([{"temp": 17.6}, {"temp": 18.4}, {"temp": 18.2}])
    assert answers == [18.0, 18.0, 18.0]
    assert cache.hit_rate == pytest.approx(0.0)  # all three were misses in the same call...
    cache.predict([{"temp": 18.1}])
    assert cache.hits == 1  # ...and the next one is a hit


def test_the_cache_forgets_the_least_recently_used_entry():
    cache = PredictionCache(lambda rs: [r["x"] for r in rs], maxsize=2)
    cache.predict([{"x": 1}, {"x": 2}])
    cache.predict([{"x": 1}])
    cache.predict([{"x": 3}])
    assert len(cache) == 2
    cache.predict([{"x": 2}])
    assert cache.misses == 4  # 2 was evicted, 1 was kept
