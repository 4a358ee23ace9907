"""The simulated lab of the demo: specs appear, good batches are released, bad ones held."""

from __future__ import annotations

from mixshare.quality import service
from mixshare.quality.simulation import simulate_lab
from mixshare.settings import now_local
from tests.quality.conftest import Lab


def test_the_simulated_lab_releases_good_batches_and_holds_most_bad_ones(lab: Lab) -> None:
    good = lab.mix(8, "M02", lot=False)  # M02's compound has no specs yet: defaults are set
    bad = lab.mix(5, "M02", defect="overheat", lot=False)
    defects = {b.code: "overheat" for b in bad}
    first = simulate_lab(lab.session, [b.id for b in good], now=now_local(), user=lab.user())
    run = simulate_lab(
        lab.session, [b.id for b in bad], defects=defects, now=now_local(), user=lab.user()
    )
    assert [
        s.test_method.code for s in service.specs_for(lab.session, bad[0].compound_version_id, "MB")
    ] == ["MOONEY"]
    assert first.results == 8 and first.released + first.held == 8
    assert run.results == 5 and run.released + run.held == 5
    assert sum(b.state == "held" for b in bad) >= 3  # four in five defective batches miss
    assert sum(b.state == "released" for b in good) >= 7
    assert all(service.disposition_of(lab.session, b) is not None for b in bad if b.state == "held")
    # the golden curve was built from the good batches released first; the overheated leave it
    assert service.golden_of(lab.session, good[0]) is not None
    assert run.flagged == 5
