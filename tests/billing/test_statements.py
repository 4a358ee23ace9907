"""Monthly statements on the ledger's hand-computed month (tests/billing/conftest.py), on a
generated month, and through the API.

Hand-computed January 2031 (tariff: peak ×1.5, flat ×1.0, valley ×0.5 of 1 yuan/kWh):

- M01: tolling MB 0.2 t × 100 + FB 0.4 t × 50 = 40.00; energy 20 kWh peak 30.00 + 13 kWh flat
  13.00 + 7 kWh valley 3.50 = 46.50; idle 20 kWh × 76.50/70 yuan/kWh = 21.857 → 21.86 (the
  cent left by largest remainder, tie to the first); lab 2 × MOONEY 25 + 1 × 20 = 70.00;
  storage B1 0.2 t × 25.6227 d + B3 0.2 t × 24.3727 d = 10.00 (B4 ends in February); fixed
  1,000 × 100/200 (Shapley of a game where everyone needs the same 200-yuan center) = 500.00.
  Total 688.36.
- M02: tolling 20.00; energy B2 over 12:00 (peak → valley) 15 kWh × 1.5 + 15 kWh × 0.5 =
  30.00; idle 21.85; a cleaning batch before its compound 300.00; lab 20.00; storage 0.2 t ×
  25.4988 d = 5.10; fixed 500.00. Total 896.95.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.billing import contracts, exports, service
from mixshare.billing.compute import Incomplete, compute_month
from mixshare.billing.imports import import_contract
from mixshare.billing.models import Immutable, Statement
from mixshare.db import session_factory
from mixshare.demo.billing_month import generate_month
from mixshare.errors import ValidationFailed
from mixshare.execution.models import Batch
from mixshare.ledger import service as ledger
from mixshare.members.models import Member
from mixshare.quality.models import LabResult, TestMethod
from mixshare.sharing import service as sharing
from tests.billing.conftest import CONTRACT, COST_MODEL, NOW
from tests.pdf_reading import pdf_text
from tests.web.conftest import World


@pytest.fixture
def db(db_url: str, billing_world: World) -> Session:
    return session_factory(db_url)()


def _by_category(document: dict[str, object]) -> dict[str, float]:
    return document["by_category"]  # type: ignore[return-value]


def test_hand_computed_month_reconciles_to_the_cent(db: Session) -> None:
    m01 = service.statement(db, month="2031-01", member="M01", now=NOW)
    m02 = service.statement(db, month="2031-01", member="M02", now=NOW)
    assert _by_category(m01) == {
        "tolling": 40.0,
        "energy": 46.5,
        "idle_energy": 21.86,
        "lab": 70.0,
        "storage": 10.0,
        "fixed": 500.0,
    }
    assert _by_category(m02) == {
        "tolling": 20.0,
        "energy": 30.0,
        "idle_energy": 21.85,
        "cleaning": 300.0,
        "lab": 20.0,
        "storage": 5.1,
        "fixed": 500.0,
    }
    assert (m01["total"], m02["total"]) == (688.36, 896.95)
    billing = compute_month(db, "2031-01", now=NOW)
    assert billing.total_cents == 68836 + 89695
    # the energy lines add up to the energy ledger's total cost, to the cent
    assert billing.totals["energy"] == round(
        ledger.energy_ledger(db, month="2031-01")["totals"]["cost_yuan"] * 100
    )
    fixed = m01["fixed"]
    assert fixed is not None and (fixed["stand_alone"], fixed["shapley"], fixed["charge"]) == (
        200.0,
        100.0,
        500.0,
    )
    assert fixed["saving"] == -300.0  # the center's costs are above what the model says
    lines = {line["key"]: line for line in m01["lines"]}
    assert lines["tolling/sheet_hose_belt/FB"]["quantity"] == 0.4
    assert lines["tolling/sheet_hose_belt/FB"]["unit_price"] == 50.0


def test_batch_over_peak_to_valley_is_charged_by_period(db: Session) -> None:
    # B2 runs 11:58:20-12:01:40 with flat power: half in peak, half in valley
    lines = service.statement(db, month="2031-01", member="M02", now=NOW)["lines"]
    energy = {
        line["key"]: (line["quantity"], line["unit_price"], line["amount"])
        for line in lines
        if line["category"] == "energy"
    }
    assert energy == {"energy/peak": (15.0, 1.5, 22.5), "energy/valley": (15.0, 0.5, 7.5)}


def test_missing_prices_and_readings_refuse_the_statement(db_url: str, month_world: World) -> None:
    with session_factory(db_url)() as session:
        sharing.create(session, COST_MODEL)
        prices = [
            p for p in CONTRACT["prices"] if p.get("stage") != "FB" and p["item"] != "lab_test"
        ]
        contracts.create(session, {**CONTRACT, "prices": prices})
        b1 = session.scalar(select(Batch.id).where(Batch.code == "B1"))
        session.add(
            LabResult(
                batch_id=b1,
                test_method_id=1,
                value=1.0,
                measured_at=NOW.replace(month=1),
                entered_at=NOW,
                source="import",
            )
        )
        session.commit()
        with pytest.raises(Incomplete) as caught:
            service.statement(session, month="2031-01", member="M01", now=NOW)
    messages = [str(p) for p in caught.value.problems]
    assert any(
        "no tolling price for compound class sheet_hose_belt at stage FB" in m
        and "M01 0.400 t" in m
        for m in messages
    ), messages
    assert any(
        "line L1 mixed 4 batch(es) in 2031-01 but has fewer than two meter readings" in m
        for m in messages
    ), messages
    assert any("no lab_test price for test method" in m for m in messages), messages


def test_a_month_without_a_contract_says_so(db_url: str, month_world: World) -> None:
    with session_factory(db_url)() as session, pytest.raises(Incomplete) as caught:
        service.statement(session, month="2031-01", member="M01", now=NOW)
    assert "no contract is valid in 2031-01" in str(caught.value)


def test_closed_statements_never_change_and_corrections_are_credit_notes(db: Session) -> None:
    with pytest.raises(ValidationFailed, match="not over"):
        service.close_month(db, month="2031-01", now=NOW.replace(month=1, day=20))
    closed = service.close_month(db, month="2031-01", now=NOW)
    db.commit()
    assert (closed.statements, closed.total_cents) == (2, 68836 + 89695)
    with pytest.raises(ValidationFailed, match="closed already"):
        service.close_month(db, month="2031-01", now=NOW)
    # a late lab result changes the data, not the closed statement
    b4 = db.scalar(select(Batch.id).where(Batch.code == "B4"))
    mooney = db.scalar(select(TestMethod.id).where(TestMethod.code == "MOONEY"))
    db.add(
        LabResult(
            batch_id=b4,
            test_method_id=mooney,
            value=2.0,
            measured_at=NOW.replace(month=1),
            entered_at=NOW,
            source="import",
        )
    )
    db.commit()
    stored = service.statement(db, month="2031-01", member="M01")
    assert stored["number"] == "ST-2031-01-M01" and stored["total"] == 688.36
    row = db.scalar(select(Statement).where(Statement.number == "ST-2031-01-M01"))
    assert row is not None
    row.total_cents = 1
    with pytest.raises(Immutable):
        db.flush()
    db.rollback()
    with pytest.raises(Immutable):
        db.delete(db.scalar(select(Statement).where(Statement.number == "ST-2031-01-M01")))
        db.flush()
    db.rollback()
    # the correction: the recomputed month charges one more MOONEY test (25.00) to M01
    note = service.credit_note(db, month="2031-01", member="M01", reason="late lab result", now=NOW)
    db.commit()
    assert note.number == "CN-2031-01-M01-1" and note.total_cents == 2500
    assert [(line.key, line.amount_cents) for line in note.lines] == [("lab/MOONEY", 2500)]
    after = service.statement(db, month="2031-01", member="M01")
    assert after["total"] == 688.36 and after["balance"] == 713.36
    assert after["credit_notes"][0]["number"] == "CN-2031-01-M01-1"
    with pytest.raises(ValidationFailed, match="nothing to correct"):
        service.credit_note(db, month="2031-01", member="M01", reason="again", now=NOW)
    credit = service.credit_note(db, month="2031-01", member="M02", reason="=goodwill", amount=50)
    assert credit.total_cents == -5000 and credit.references_id is not None


def test_pdf_and_xlsx(db: Session, tmp_path: Path) -> None:
    service.close_month(db, month="2031-01", now=NOW)
    service.credit_note(db, month="2031-01", member="M01", reason='=HYPERLINK("x")', amount=1)
    db.commit()
    document = service.statement(db, month="2031-01", member="M01")
    book = load_workbook(io.BytesIO(exports.xlsx_bytes(document)))
    cells = [c for row in book["Statement"].iter_rows() for c in row if c.value is not None]
    reason = next(c for c in cells if c.value == '=HYPERLINK("x")')
    assert reason.data_type == "s"  # text, never a formula
    assert any(c.value == 688.36 for c in cells)
    pdf = tmp_path / "m01.pdf"
    exports.write(document, pdf)
    text = pdf_text(pdf.read_bytes())
    assert "对账单" in text and "Monthly statement" in text
    assert document["number"] in text and "688.36" in text
    assert "=HYPERLINK" in text  # the credit note's reason, as text


def test_generated_month_reconciles_to_the_cent(session: Session) -> None:
    made = generate_month(session, month="2026-11", members=4, batches=800, seed=3)
    assert made.batches > 700
    billing = compute_month(session, "2026-11")
    energy = ledger.energy_ledger(session, month="2026-11")["totals"]["cost_yuan"]
    assert billing.totals["energy"] == round(energy * 100)
    for category, cents in billing.totals.items():
        assert cents == sum(
            item.amount_cents
            for lines in billing.lines.values()
            for item in lines
            if item.category == category
        )
    assert billing.totals["fixed"] == 1_038_000 * 100
    statements = [service.document_of(billing, m) for m in made.members]
    assert round(sum(s["total"] for s in statements) * 100) == billing.total_cents
    assert billing.totals["cleaning"] > 0 and billing.totals["storage"] > 0


def test_contract_import_names_file_row_and_column(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "contract.csv"
    path.write_text(
        "contract,name,valid_from,sharing_rule,item,key,stage,price\n"
        "K-1,k,2031-01,shapley,tolling,sheet_hose_belt,MB,100\n"
        "K-1,,,,tolling,plastics,FB,50\n"
        "K-1,,,,cleaning,,,abc\n"
        "K-1,,2031-02,,storage,,,1\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as caught:
        import_contract(session, path)
    messages = [str(p) for p in caught.value.problems]
    assert any(m.startswith("contract.csv, row 4, column price: not a number") for m in messages)
    assert any(
        m.startswith("contract.csv, row 5, column valid_from: contradicts") for m in messages
    )
    good = tmp_path / "good.csv"
    good.write_text(
        "合同,名称,生效月份,分摊规则,项目,类别,段,价格\n"
        "K-2,k,2031-01,nucleolus,tolling,sheet_hose_belt,MB,100\n"
        "K-2,,,,cleaning,,,0\nK-2,,,,storage,,,1\nK-2,,,,tolling,plastics,FB,5\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as unknown:
        import_contract(session, good)
    assert "good.csv, row 5, column key: unknown compound class" in str(unknown.value)
    good.write_text(good.read_text(encoding="utf-8").replace("plastics", "other"), encoding="utf-8")
    assert import_contract(session, good).created == ["K-2"]
    assert import_contract(session, good).unchanged == ["K-2"]


def test_members_see_only_their_own_statement(db_url: str, billing_world: World) -> None:
    app: FastAPI = __import__("mixshare.web.app", fromlist=["create_app"]).create_app(
        db_url, secret_key="test-secret"
    )
    with session_factory(db_url)() as session:
        ids = dict(session.execute(select(Member.code, Member.id)).all())
    with TestClient(app) as client:
        m01 = billing_world.headers("m01")
        own = client.get(f"/api/v1/statements/2031-01/members/{ids['M01']}", headers=m01)
        assert own.status_code == 200 and own.json()["member"] == "M01"
        foreign = client.get(f"/api/v1/statements/2031-01/members/{ids['M02']}", headers=m01)
        assert foreign.status_code == 404
        month = client.get("/api/v1/statements/2031-01", headers=m01).json()
        assert list(month["members"]) == ["M01"]
        admin = billing_world.headers("admin")
        both = client.get("/api/v1/statements/2031-01", headers=admin).json()
        assert set(both["members"]) == {"M01", "M02"}
        planner = client.get("/api/v1/statements/2031-01", headers=billing_world.headers("planner"))
        assert planner.status_code == 403
        pdf = client.get(
            f"/api/v1/statements/2031-01/members/{ids['M02']}/statement.pdf", headers=m01
        )
        assert pdf.status_code == 404


def test_the_page_shows_a_member_its_own_statement_only(db_url: str, billing_world: World) -> None:
    from mixshare.web.app import create_app
    from tests.web.pages_helpers import page_login

    with session_factory(db_url)() as session:
        ids = dict(session.execute(select(Member.code, Member.id)).all())
    with TestClient(create_app(db_url, secret_key="test-secret")) as client:
        page_login(client, "m01")
        page = client.get(f"/statements?month=2031-01&member={ids['M02']}")
        assert page.status_code == 200
        assert "月度对账单 · M01" in page.text and "896.95" not in page.text
        # the page's draft is computed now (2026), before January 2031 is over: nothing has
        # lain in store yet, so M01 pays 688.36 less its 10.00 of storage
        assert "678.36" in page.text and 'id="chart-statement"' in page.text
        foreign = client.get(f"/statements/2031-01/members/{ids['M02']}.xlsx")
        assert foreign.status_code == 404
    with TestClient(create_app(db_url, secret_key="test-secret")) as client:
        page_login(client, "admin")
        month = client.get("/statements?month=2031-01&lang=en")
        assert "1,570.21" in month.text  # 678.36 + 891.85 (M02 less its 5.10 of storage)
        own = client.get(f"/statements/2031-01/members/{ids['M02']}.pdf")
        assert own.status_code == 200 and own.content.startswith(b"%PDF")
