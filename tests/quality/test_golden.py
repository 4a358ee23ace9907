"""Golden curves: alignment, envelope and score on synthetic batches of known quality."""

from __future__ import annotations

import numpy as np
import pytest

from mixshare.quality import golden, synthetic


@pytest.fixture(scope="module")
def reference() -> golden.Reference:
    rng = np.random.default_rng(11)
    return golden.build_reference([golden.align(synthetic.mixing_curve(rng)) for _ in range(30)])


def test_energy_axis_puts_a_slow_and_a_fast_batch_on_one_curve() -> None:
    # the same batch played 1.5 times slower at 2/3 of the power: the same energy at every
    # moment of progress, so the aligned signals coincide (temperature rises with energy)
    fast = {"power_kw": [600.0] * 100, "temperature_c": list(np.linspace(60, 150, 100))}
    slow = {"power_kw": [400.0] * 150, "temperature_c": list(np.linspace(60, 150, 150))}
    for curve in (fast, slow):
        for signal in golden.SIGNALS[2:]:
            curve[signal] = [1.0] * len(curve["power_kw"])
    a, b = golden.align(fast), golden.align(slow)
    assert np.allclose(a.signals[1], b.signals[1], atol=0.5)
    assert a.energy_kwh == pytest.approx(600 * 99 / 3600)
    assert b.energy_kwh == pytest.approx(400 * 149 / 3600)
    assert b.seconds[-1] == pytest.approx(149)


def test_released_like_batches_stay_inside_and_each_defect_leaves(
    reference: golden.Reference,
) -> None:
    rng = np.random.default_rng(12)
    good = [golden.score(golden.align(synthetic.mixing_curve(rng)), reference) for _ in range(40)]
    assert sum(s.out_of_envelope for s in good) <= 3  # a few false alarms, measured ~3 %
    assert np.median([s.score for s in good]) < 2.5
    for defect in synthetic.DEFECTS:
        bad = golden.score(golden.align(synthetic.mixing_curve(rng, defect=defect)), reference)
        assert bad.out_of_envelope, defect
        assert bad.score > 4, defect


def test_overheat_is_seen_on_the_temperature(reference: golden.Reference) -> None:
    rng = np.random.default_rng(13)
    hot = golden.score(golden.align(synthetic.mixing_curve(rng, defect="overheat")), reference)
    assert hot.worst_signal == "temperature_c"


def test_missing_energy_alone_flags_a_batch(reference: golden.Reference) -> None:
    # the reference's own shape, but 4 standard deviations less total energy: out of envelope
    # by the energy check alone (no point of any signal lies outside)
    low = reference.energy_mean - 4 * reference.energy_sd
    result = golden.score(golden.Aligned(reference.mean, reference.seconds, low), reference)
    assert result.out_of_envelope and result.energy_z == pytest.approx(-4)
    assert max(result.outside.values()) == 0


def test_reference_round_trips_through_json(reference: golden.Reference) -> None:
    again = golden.Reference.from_json(reference.to_json())
    assert again.batches == 30
    assert np.allclose(again.mean, reference.mean, atol=1e-3)
    assert np.all(again.upper() > again.lower())


def test_a_reference_needs_enough_batches() -> None:
    rng = np.random.default_rng(1)
    with pytest.raises(ValueError, match="at least"):
        golden.build_reference([golden.align(synthetic.mixing_curve(rng)) for _ in range(2)])
