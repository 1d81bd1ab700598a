"""The spot-pricing model of 05d: exact expectation, sprint 02's first-order estimate, and a
simulation with random preemptions that both are checked against."""

from __future__ import annotations

import math

import pytest

from mlops_course import spot

RATE, RESTART = spot.SPRINT02_PREEMPTIONS_PER_H, spot.SPRINT02_RESTART_H


def test_without_preemptions_a_job_takes_its_work_and_its_checkpoints():
    assert spot.expected_hours(2, 0.0) == 2
    # 8 stretches of 0.25 h; the 7 that are followed by another pay for their checkpoint
    assert spot.expected_hours(2, 0.0, 0.25, checkpoint_cost_h=0.01) == pytest.approx(2.07)


@pytest.mark.parametrize("every", [None, 0.25, 0.3, 2.5])
def test_the_exact_expectation_agrees_with_a_simulation(every):
    hours = spot.simulate_hours(10, RATE, every, RESTART, 0.005, runs=4000, seed=1)
    exact = spot.expected_hours(10, RATE, every, RESTART, 0.005)
    standard_error = hours.std(ddof=1) / math.sqrt(len(hours))
    assert abs(hours.mean() - exact) < 4 * standard_error, (hours.mean(), exact)


def test_sprint_02s_estimate_is_the_first_order_of_the_exact_one():
    # for a tiny preemption rate the two agree to first order ...
    small = 1e-4
    extra_exact = spot.expected_hours(10, small, 0.25, RESTART) - 10
    extra_first = spot.first_order_hours(10, small, 0.25, RESTART) - 10
    assert extra_exact == pytest.approx(extra_first, rel=1e-2)

    # ... at sprint 02's rate it is close with checkpoints every 15 minutes, and far too low
    # without them: it misses the preemptions that strike while lost work is redone
    def extra(estimate, every):
        return estimate(10, RATE, every, RESTART) - 10

    assert extra(spot.first_order_hours, 0.25) == pytest.approx(
        extra(spot.expected_hours, 0.25), rel=0.02
    )
    assert extra(spot.first_order_hours, None) < 0.75 * extra(spot.expected_hours, None)


def test_sprint_02s_figures_are_reproduced():
    # 02's table: the 2-hour retrain with checkpoints every 15 min at 10 %/h: 2.045 h
    assert spot.first_order_hours(2, RATE) == pytest.approx(2.045)
    job = spot.SPRINT02_JOBS["GPU fine-tune, 8 GPUs, 10 h"]
    assert (job.hours, job.on_demand_per_h, job.spot_per_h) == (10, 24.0, 7.2)


def test_checkpoints_shorten_a_preempted_job_and_more_so_the_longer_it_is():
    for work in (2, 10):
        with_checkpoints = spot.expected_hours(work, RATE, 0.25, RESTART)
        without = spot.expected_hours(work, RATE, None, RESTART)
        assert work < with_checkpoints < without
    saved = [spot.expected_hours(w, RATE) / spot.expected_hours(w, RATE, 0.25) for w in (2, 10)]
    assert saved[1] > saved[0]
