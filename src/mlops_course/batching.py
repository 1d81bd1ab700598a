"""Micro-batching: many concurrent one-row requests answered by few many-row model calls.

    batcher = MicroBatcher(predictor.predict, max_batch=32, max_wait=0.005)
    rentals = await batcher.predict(hour)     # from many coroutines at once
    await batcher.close()

A model call has a fixed cost (Python overhead, input checks, thread start-up) plus a small cost
per row, so 32 rows in one call cost little more than 1. The batcher waits at most `max_wait`
seconds for more requests to join the first one, then calls the model once for all of them:
throughput grows, and each request pays at most `max_wait` extra latency. Serving frameworks
(Triton's dynamic batcher, TorchServe, Ray Serve's `@serve.batch`) do the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class BatchStats:
    batches: int = 0
    items: int = 0

    @property
    def mean_batch(self) -> float:
        return self.items / self.batches if self.batches else 0.0


class MicroBatcher:
    """Collects single items for up to `max_wait` seconds or `max_batch` items, then predicts once.

    `predict_many(items)` must return one result per item, in order. It runs in a worker thread,
    so the event loop keeps accepting requests (and filling the next batch) meanwhile.
    """

    def __init__(
        self,
        predict_many: Callable[[list[Any]], Sequence[Any]],
        *,
        max_batch: int = 32,
        max_wait: float = 0.005,
    ) -> None:
        if max_batch < 1 or max_wait < 0:
            raise ValueError(f"Need max_batch >= 1 and max_wait >= 0, got {max_batch}, {max_wait}.")
        self.predict_many = predict_many
        self.max_batch, self.max_wait = max_batch, max_wait
        self.stats = BatchStats()
        self._queue: asyncio.Queue[tuple[Any, asyncio.Future[Any]]] | None = None
        self._task: asyncio.Task[None] | None = None

    async def predict(self, item: Any) -> Any:
        """The model's answer for one item, computed together with whatever else is waiting."""
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._task = asyncio.create_task(self._run())
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self._queue.put((item, future))
        return await future

    async def _collect(self) -> list[tuple[Any, asyncio.Future[Any]]]:
        assert self._queue is not None
        batch = [await self._queue.get()]
        deadline = time.perf_counter() + self.max_wait
        while len(batch) < self.max_batch:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), remaining))
            except TimeoutError:
                break
        return batch

    async def _run(self) -> None:
        while True:
            batch = await self._collect()
            items = [item for item, _ in batch]
            try:
                results = await asyncio.to_thread(self.predict_many, items)
                if len(results) != len(items):
                    raise ValueError(
                        f"predict_many returned {len(results)} results for {len(items)} items."
                    )
            except Exception as err:  # every waiting request gets the error, none hangs
                for _, future in batch:
                    if not future.done():
                        future.set_exception(err)
                continue
            self.stats.batches += 1
            self.stats.items += len(items)
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def close(self) -> None:
        """Stop the background task (pending requests are cancelled)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task, self._queue = None, None
