"""The upload page: staff import every kind they may, a member's users only their own orders;
a file is taken whole or not at all, with each bad cell named as the CLI names it."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.jobs.models import Job
from mixshare.orders.models import Order
from mixshare.uploads import pages as upload_pages
from mixshare.uploads import registry
from tests.web.conftest import World, soon
from tests.web.pages_helpers import page_login

HEADER = "number,member,compound,stage,quantity_kg,due_at,release_at,note\n"


def orders_csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


def due() -> str:
    return soon(12).strftime("%Y-%m-%d %H:%M")


def upload(client: TestClient, token: str, kind: str, name: str, content: bytes) -> httpx.Response:
    files = {"file": (name, content, "text/csv")}
    data = {"csrf_token": token, "kind": kind}
    response: httpx.Response = client.post(
        "/imports", data=data, files=files, follow_redirects=False
    )
    return response


def count_orders(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count(Order.id))) or 0)


def test_staff_upload_imports_the_file(client: TestClient, world: World, db: Session) -> None:
    token = page_login(client, "planner")
    page = client.get("/imports")
    assert page.status_code == 200 and 'value="orders"' in page.text
    before = count_orders(db)
    content = orders_csv(
        f"U-0001,M01,C-M01,final,1500,{due()},,", f"U-0002,M02,C-M02,,900,{due()},,"
    )
    answer = upload(client, token, "orders", "week.csv", content)
    assert answer.status_code == 200, answer.text[:500]
    assert "week.csv: 2 rows, 2 created" in answer.text
    assert count_orders(db) == before + 2


def test_a_bad_file_names_every_bad_cell_and_changes_nothing(
    client: TestClient, world: World, db: Session
) -> None:
    token = page_login(client, "admin")
    before = count_orders(db)
    content = orders_csv(
        f"U-0003,M01,C-M01,final,1500,{due()},,", "U-0004,M01,NOPE,final,-5,soon,,"
    )
    answer = upload(client, token, "orders", "bad.csv", content)
    assert answer.status_code == 422
    text = answer.text
    # the same wording as `mixshare import orders bad.csv` prints
    assert "bad.csv, row 3, column compound" in text
    assert "bad.csv, row 3, column quantity_kg" in text
    assert "bad.csv, row 3, column due_at" in text
    assert count_orders(db) == before


def test_a_member_uploads_only_its_own_orders(
    client: TestClient, world: World, db: Session
) -> None:
    token = page_login(client, "m01")
    page = client.get("/imports")
    assert 'value="orders"' in page.text and 'value="compounds"' not in page.text
    before = count_orders(db)
    foreign = orders_csv(
        f"U-0005,M01,C-M01,final,1500,{due()},,", f"U-0006,M02,C-M02,,900,{due()},,"
    )
    refused = upload(client, token, "orders", "mixed.csv", foreign)
    assert refused.status_code == 422
    assert "mixed.csv, row 3, column member" in refused.text
    assert count_orders(db) == before
    other_kind = upload(client, token, "compounds", "c.csv", b"compound,member\nX,M01\n")
    assert other_kind.status_code == 404
    assert client.get("/imports/compounds/template").status_code == 404
    own = upload(client, token, "orders", "own.csv", orders_csv(f",M01,C-M01,,700,{due()},,"))
    assert own.status_code == 200
    assert count_orders(db) == before + 1


def test_templates_download_for_each_kind_the_user_may_upload(
    client: TestClient, world: World
) -> None:
    page_login(client, "admin")
    for kind in (k.name for k in registry.all_kinds()):
        answer = client.get(f"/imports/{kind}/template")
        assert answer.status_code == 200, kind
        book = load_workbook(io.BytesIO(answer.content))
        assert len(book.sheetnames) >= 2, kind  # the data sheet and the help sheet


def test_wrong_file_type_is_refused(client: TestClient, world: World) -> None:
    token = page_login(client, "admin")
    answer = upload(client, token, "orders", "orders.pdf", b"%PDF-1.4")
    assert answer.status_code == 422
    assert "unsupported file type" in answer.text


def test_a_large_file_runs_as_a_job_whose_page_shows_the_outcome(
    client: TestClient, world: World, db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upload_pages, "BACKGROUND_BYTES", 0)
    folder = tmp_path / "uploads"
    monkeypatch.setenv("MIXSHARE_UPLOAD_DIR", str(folder))
    token = page_login(client, "m01")
    answer = upload(
        client, token, "orders", "big.csv", orders_csv(f"U-0007,M01,C-M01,,800,{due()},,")
    )
    assert answer.status_code == 303
    location = answer.headers["location"]
    page = client.get(location)
    assert page.status_code == 200 and "big.csv" in page.text and "U-0007" not in page.text
    db.expire_all()
    job = db.scalar(select(Job).where(Job.kind == "import_orders"))
    assert job is not None and job.state == "done" and job.result is not None
    assert job.result["created"] == ["U-0007"]
    assert list(folder.iterdir()) == []  # the worker removed the uploaded copy
    # another member's users cannot see the job
    other = TestClient(client.app)
    page_login(other, "m02")
    assert other.get(location).status_code == 404
