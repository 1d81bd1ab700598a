"""Spot versus on-demand: the expected time and cost of a job that can be preempted.

    hours = expected_hours(10, preemptions_per_h=0.1, checkpoint_every_h=0.25, restart_h=0.1)
    cost = hours * SPRINT02_JOBS["GPU fine-tune, 8 GPUs, 10 h"].spot_per_h

A job of `work_h` hours of work saves a checkpoint every `checkpoint_every_h` hours of work
(taking `checkpoint_cost_h` each time). Preemptions arrive at random (a Poisson process,
`preemptions_per_h` per hour of running); each one loses the work since the last checkpoint
and costs `restart_h` (a new machine, the process started, the checkpoint loaded) before the
job goes on. Without checkpoints, a preemption loses everything done so far.

Sprint 02 (section 6) priced this with a first-order estimate, `first_order_hours`: each
preemption loses half an interval plus the restart. The exact expectation for one interval
that needs `x` hours without a preemption is `(exp(rate * x) - 1) * (1 / rate + restart_h)`
(the number of tries is geometric; each failed try runs for the time to the preemption, then
pays the restart). Its first-order expansion in `rate` is sprint 02's formula; the exact form
also counts preemptions during the work redone, which matters when intervals are long.
`simulate_hours` draws preemptions at random and checks both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Job:
    """A job's length and its per-hour prices (on-demand and spot)."""

    hours: float
    on_demand_per_h: float
    spot_per_h: float


# Sprint 02, section 6: ILLUSTRATIVE list prices of the kind providers publish (they change;
# a real decision starts from the provider's calculator), the same 10 % chance per hour of
# being preempted, and a 0.1 h restart.
SPRINT02_JOBS = {
    "weekly retrain, 4 vCPU, 2 h": Job(2, 0.19, 0.06),
    "GPU fine-tune, 8 GPUs, 10 h": Job(10, 24.0, 7.2),
}
SPRINT02_PREEMPTIONS_PER_H = 0.10
SPRINT02_RESTART_H = 0.1
SPRINT02_CHECKPOINT_EVERY_H = 0.25


def _stretches(
    work_h: float, checkpoint_every_h: float | None, checkpoint_cost_h: float
) -> list[float]:
    """Hours each stretch must run without a preemption: its work, then its checkpoint.

    The last stretch (maybe shorter) ends the job and needs no checkpoint after it.
    """
    if checkpoint_every_h is None or checkpoint_every_h >= work_h:
        return [work_h]
    full = int(work_h // checkpoint_every_h)
    rest = work_h - full * checkpoint_every_h
    work = [checkpoint_every_h] * full + ([rest] if rest > 1e-12 else [])
    return [w + checkpoint_cost_h for w in work[:-1]] + [work[-1]]


def expected_hours(
    work_h: float,
    preemptions_per_h: float,
    checkpoint_every_h: float | None = None,
    restart_h: float = SPRINT02_RESTART_H,
    checkpoint_cost_h: float = 0.0,
) -> float:
    """Expected wall-clock (and billed) hours to finish, preemptions included (exact)."""
    total = 0.0
    for needed in _stretches(work_h, checkpoint_every_h, checkpoint_cost_h):
        if preemptions_per_h == 0:
            total += needed
        else:
            total += math.expm1(preemptions_per_h * needed) * (1 / preemptions_per_h + restart_h)
    return total


def first_order_hours(
    work_h: float,
    preemptions_per_h: float,
    checkpoint_every_h: float | None = SPRINT02_CHECKPOINT_EVERY_H,
    restart_h: float = SPRINT02_RESTART_H,
) -> float:
    """Sprint 02's estimate: each preemption loses half an interval on average, plus a restart."""
    interval = work_h if checkpoint_every_h is None else checkpoint_every_h
    return work_h * (1 + preemptions_per_h * (interval / 2 + restart_h))


def simulate_hours(
    work_h: float,
    preemptions_per_h: float,
    checkpoint_every_h: float | None = None,
    restart_h: float = SPRINT02_RESTART_H,
    checkpoint_cost_h: float = 0.0,
    *,
    runs: int = 2000,
    seed: int = 0,
) -> np.ndarray:
    """Hours to finish in `runs` simulated jobs with random (Poisson) preemptions."""
    rng = np.random.default_rng(seed)
    needed = _stretches(work_h, checkpoint_every_h, checkpoint_cost_h)
    totals = np.zeros(runs)
    for run in range(runs):
        elapsed = 0.0
        for stretch in needed:
            while True:
                until_preempted = rng.exponential(1 / preemptions_per_h)
                if until_preempted >= stretch:
                    elapsed += stretch
                    break
                elapsed += until_preempted + restart_h  # work lost, then a restart
        totals[run] = elapsed
    return totals
