"""Batch arithmetic: weight = volume x density x fill factor; partial last batch takes a cycle."""

from __future__ import annotations

import pytest

from mixshare.lines.models import Line, LineStage
from mixshare.lines.service import StageSetting, batch_kg, stage_run, stage_setting


def _line() -> Line:
    line = Line(code="L1", name="Line 1", net_volume_l=420.0, rated_power_kw=1500.0)
    line.stage_settings = [
        LineStage(stage="MB", fill_factor=0.714, cycle_minutes=3.0, kwh_per_kg=0.16)
    ]
    return line


def test_batch_weight_of_domain_example() -> None:
    # domain.md: 420 L, SG 1.15, fill ≈ 0.714 → ≈ 345 kg per batch.
    assert batch_kg(420, 1.15, 0.714) == pytest.approx(344.9, abs=0.1)


def test_batches_round_up_and_minutes_follow_cycles() -> None:
    line = _line()
    setting = stage_setting(line, "MB")
    assert setting is not None
    run = stage_run(line, 1.15, setting, 10_000)
    # 10,000 kg / 344.9 kg = 28.99 → 29 batches x 3.0 min = 87 min.
    assert run.batches == 29
    assert run.minutes == 87
    assert run.kwh == pytest.approx(1600.0)


def test_exact_multiple_needs_no_extra_batch() -> None:
    line = _line()
    setting = StageSetting(fill_factor=0.5, cycle_minutes=2.5, kwh_per_kg=0.1)
    weight = batch_kg(420, 1.0, 0.5)  # 210 kg
    assert stage_run(line, 1.0, setting, weight * 4).batches == 4


def test_stage_the_line_cannot_run_has_no_setting() -> None:
    assert stage_setting(_line(), "FB") is None
