"""The earliest finish of an order with the lines to itself, and the reason when none."""

from __future__ import annotations

from mixshare.engine.earliest import Stage, earliest_finish, free_start
from mixshare.engine.problem import Interval, LotOption


def _on(line: str, minutes: int) -> tuple[LotOption, ...]:
    return (LotOption(line, 1, minutes, 1.0),)


def test_free_start_skips_spans_too_short_to_run_in() -> None:
    spans = (Interval(60, 120), Interval(150, 300))
    assert free_start(spans, 0, 60) == 0
    assert free_start(spans, 10, 60) == 300  # 10…60 and 120…150 are too short
    assert free_start(spans, 400, 60) == 400


def test_two_stages_with_a_rest_finish_on_the_fastest_free_line() -> None:
    stages = (
        Stage((*_on("L1", 60), LotOption("L2", 1, 30, 1.0)), min_rest=120, max_rest=600),
        Stage(_on("L1", 60)),
    )
    found = earliest_finish(stages, {"L2": (Interval(0, 100),)}, release=0)
    # L2 is down until 100, L1 takes 60: MB ends at 60 on L1, FB from 180 to 240
    assert found.finish == 240


def test_a_rest_window_no_free_time_can_meet_is_named() -> None:
    # the only line for the second stage is down from 100 to 1000; rest at most 60 min
    stages = (Stage(_on("L1", 60), min_rest=30, max_rest=60), Stage(_on("L2", 60)))
    down: dict[str, tuple[Interval, ...]] = {
        "L1": (Interval(60, 2000),),
        "L2": (Interval(100, 1000),),
    }
    found = earliest_finish(stages, down, release=0, horizon=1200)
    assert found.finish is None and found.reason == "rest_window_impossible"


def test_material_arriving_too_late_is_told_apart_from_a_full_calendar() -> None:
    stages = (Stage(_on("L1", 120)),)
    assert earliest_finish(stages, {}, release=950, horizon=1000).reason == "released_too_late"
    blocked: dict[str, tuple[Interval, ...]] = {"L1": (Interval(0, 950),)}
    assert earliest_finish(stages, blocked, release=0, horizon=1000).reason == (
        "does_not_fit_horizon"
    )
    assert earliest_finish((Stage(()),), {}, release=0).reason == "no_eligible_line"
