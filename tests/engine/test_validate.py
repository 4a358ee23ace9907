"""The validator itself, on deliberately broken schedules."""

from __future__ import annotations

from mixshare.engine.kpis import compute_kpis
from mixshare.engine.problem import Chain, Changeover, Interval, Placement, PricePeriod, Problem
from mixshare.engine.solution import Schedule, ScheduledChangeover, ScheduledLot
from mixshare.engine.validate import validate

from .conftest import Matrix, line, lot

MATRIX: Matrix = {"X": {"Y": Changeover(10, 1, 5.0)}, "Y": {"X": None}}


def base_problem(
    prices: tuple[PricePeriod, ...] = (),
    locked: tuple[Placement, ...] = (),
    previous: tuple[Placement, ...] = (),
    frozen_until: int = 0,
) -> Problem:
    return Problem(
        horizon=200,
        lines=(line("A", MATRIX, unavailable=(Interval(150, 160),)),),
        lots=(lot("a", 20, "X", order="o1"), lot("b", 30, "Y", order="o1", due=60)),
        chains=(Chain("a", "b", 5, 50),),
        prices=prices,
        locked=locked,
        previous=previous,
        frozen_until=frozen_until,
    )


def good() -> Schedule:
    return Schedule(
        lots=(ScheduledLot("a", "A", 0, 20), ScheduledLot("b", "A", 30, 60)),
        changeovers=(ScheduledChangeover("A", "a", "b", 20, 30, 1, 5.0),),
    )


def test_good_schedule_is_valid_and_kpis_add_up() -> None:
    p = base_problem(prices=(PricePeriod(0, 200, 2.0, "flat"),))
    assert validate(p, good()) == []
    k = compute_kpis(p, good())
    assert k.changeover_minutes == 10 and k.cleaning_batches == 1 and k.weighted_tardiness == 0
    assert k.utilisation["A"] == 50 / 190  # 50 busy minutes of 200 - 10 unavailable


def _with(
    lots: tuple[ScheduledLot, ...] | None = None,
    changeovers: tuple[ScheduledChangeover, ...] | None = None,
    unplanned: tuple[str, ...] = (),
) -> Schedule:
    """``good()`` with some of its parts replaced."""
    g = good()
    return Schedule(
        lots=g.lots if lots is None else lots,
        changeovers=g.changeovers if changeovers is None else changeovers,
        unplanned=unplanned,
    )


def test_detects_overlap_duration_and_horizon() -> None:
    p = base_problem()
    bad = _with(lots=(ScheduledLot("a", "A", 0, 20), ScheduledLot("b", "A", 15, 45)))
    assert any("overlap" in e for e in validate(p, bad))
    bad = _with(lots=(ScheduledLot("a", "A", 0, 25), ScheduledLot("b", "A", 30, 60)))
    assert any("needs 20" in e for e in validate(p, bad))
    bad = _with(lots=(ScheduledLot("a", "A", 0, 20), ScheduledLot("b", "A", 180, 210)))
    assert any("horizon" in e for e in validate(p, bad))


def test_detects_release_unavailable_and_ineligible() -> None:
    p = Problem(
        horizon=200,
        lines=(line("A", unavailable=(Interval(50, 60),)), line("B")),
        lots=(lot("a", 20, release=10),),
    )
    assert any("release" in e for e in validate(p, Schedule((ScheduledLot("a", "A", 0, 20),), ())))
    s = Schedule((ScheduledLot("a", "A", 45, 65),), ())
    assert any("unavailable" in e for e in validate(p, s))
    s = Schedule((ScheduledLot("a", "B", 10, 30),), ())
    assert any("not eligible" in e for e in validate(p, s))


def test_detects_changeover_problems() -> None:
    p = base_problem()
    errs = validate(p, _with(changeovers=()))
    assert any("missing" in e for e in errs)
    short = (ScheduledChangeover("A", "a", "b", 25, 30, 1, 5.0),)
    assert any("< required" in e for e in validate(p, _with(changeovers=short)))
    # Y -> X is forbidden
    p2 = Problem(
        horizon=200, lines=(line("A", MATRIX),), lots=(lot("a", 20, "X"), lot("b", 30, "Y"))
    )
    s = Schedule((ScheduledLot("b", "A", 0, 30), ScheduledLot("a", "A", 30, 50)), ())
    assert any("forbidden" in e for e in validate(p2, s))


def test_detects_chain_lags() -> None:
    p = base_problem()
    early = _with(
        lots=(ScheduledLot("a", "A", 0, 20), ScheduledLot("b", "A", 22, 52)),
        changeovers=(ScheduledChangeover("A", "a", "b", 20, 22, 1, 5.0),),
    )
    errs = validate(p, early)
    assert any("min_lag" in e for e in errs)
    late = _with(
        lots=(ScheduledLot("a", "A", 0, 20), ScheduledLot("b", "A", 100, 130)),
        changeovers=(ScheduledChangeover("A", "a", "b", 90, 100, 1, 5.0),),
    )
    assert any("max_lag" in e for e in validate(p, late))


def test_detects_locked_frozen_and_half_orders() -> None:
    p = base_problem(locked=(Placement("a", "A", 5),))
    assert any("locked" in e for e in validate(p, good()))
    p = base_problem(previous=(Placement("a", "A", 3),), frozen_until=10)
    assert any("frozen" in e for e in validate(p, good()))
    half = Schedule((ScheduledLot("a", "A", 0, 20),), (), unplanned=())
    errs = validate(base_problem(), half)
    assert any("half order" in e for e in errs)
    assert any("neither planned" in e for e in errs)
