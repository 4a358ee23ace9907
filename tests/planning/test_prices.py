"""Planning prices: versioned reference data the money objective adds up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from mixshare.cli import app
from mixshare.db import session_factory
from mixshare.engine.problem import MoneyPrices
from mixshare.errors import ValidationFailed
from mixshare.planning import prices
from mixshare.tariffs.service import load_seed_tariffs

VERSION = {
    "code": "C-2027", "valid_from": "2027-01-01", "cleaning_material_yuan": 1000.0,
    "cleaning_kwh": 50.0, "changeover_hour_yuan": 500.0, "lateness_tonne_hour_yuan": 30.0,
    "source": "center cost accounting 2026",
}  # fmt: skip


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    with session_factory(db_url)() as s:
        yield s


def test_a_new_version_ends_the_one_before_and_plans_use_the_one_in_force(
    session: Session,
) -> None:
    load_seed_tariffs(session)
    assert [v.code for v in prices.load_seed(session)] == ["DEMO-2026"]
    assert prices.load_seed(session) == []  # by code: loading again adds nothing
    prices.create(session, VERSION)
    demo = prices.on(session, date(2026, 6, 1))
    assert demo is not None and demo.code == "DEMO-2026"
    assert demo.valid_to == date(2026, 12, 31)
    money, code = prices.money_prices(session, date(2027, 3, 1))
    assert code == "C-2027"
    flat = 0.0  # the cleaning batch's kWh at the flat price of the tariff in force
    from mixshare.tariffs.service import tariff_on

    flat = tariff_on(session, date(2027, 3, 1)).flat_price
    assert money == MoneyPrices(
        cleaning_batch=1000.0 + 50.0 * flat, changeover_hour=500.0, lateness_tonne_hour=30.0
    )


def test_bad_versions_are_refused_and_name_the_field(session: Session) -> None:
    prices.create(session, VERSION)
    with pytest.raises(ValidationFailed) as same:
        prices.create(session, {**VERSION, "code": "OTHER"})
    assert [p.location for p in same.value.problems] == ["valid_from"]
    with pytest.raises(ValidationFailed) as bad:
        prices.create(session, {**VERSION, "code": "NEG", "valid_from": "2028-01-01",
                                "changeover_hour_yuan": -1})  # fmt: skip
    assert [p.location for p in bad.value.problems] == ["changeover_hour_yuan"]


def test_without_a_version_plans_use_the_engine_defaults(session: Session) -> None:
    assert prices.money_prices(session, date(2027, 1, 1)) == (MoneyPrices(), "engine defaults")


def test_cli_adds_and_lists_versions(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", db_url)
    runner = CliRunner()
    args = ["prices", "add", "--code", "C-2027", "--valid-from", "2027-01-01",
            "--cleaning-material", "1000", "--cleaning-kwh", "50", "--changeover-hour", "500",
            "--lateness", "30", "--source", "cost accounting"]  # fmt: skip
    added = runner.invoke(app, args)
    assert added.exit_code == 0, added.output
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "same day" in again.output
    listed = runner.invoke(app, ["prices", "list"])
    assert listed.exit_code == 0 and "C-2027" in listed.output
