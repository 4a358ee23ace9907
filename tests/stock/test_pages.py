"""Stock and delivery pages: the operator picks released batches (oldest suggested first) and
delivers; refused batches are named; the member sees its own delivery and downloads the
certificate; another member gets 404 for both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from mixshare.stock.models import Delivery
from mixshare.web.app import create_app
from tests.stock.conftest import Shop
from tests.web.pages_helpers import logged_in


@pytest.fixture
def web(shop: Shop) -> Iterator[TestClient]:
    with TestClient(create_app(shop.lab.db_url, secret_key="test-secret")) as client:
        yield client


def test_the_operator_delivers_what_fifo_suggests_and_the_member_gets_the_certificate(
    shop: Shop, web: TestClient
) -> None:
    finals = shop.finals(3)
    shop.release(finals)
    (held,) = shop.finals(1)
    shop.hold(held)
    shop.session.commit()
    member = shop.lab.world.members["M01"]
    operator, token = logged_in(web, "operator")
    form = operator.get(f"/deliveries/new?member={member}&count=2")
    assert form.status_code == 200
    assert all(b.code in form.text for b in finals) and held.code not in form.text
    checked = [b for b in finals if f'value="{b.id}" aria-label="{b.code}" checked' in form.text]
    assert checked == finals[:2]  # the two oldest
    refused = operator.post(
        "/deliveries",
        data={"csrf_token": token, "member_id": str(member), "batch": [str(held.id)]},
    )
    assert refused.status_code == 422 and f"batch {held.code} is held" in refused.text
    sent = operator.post(
        "/deliveries",
        data={
            "csrf_token": token,
            "member_id": str(member),
            "batch": [str(b.id) for b in finals[:2]],
            "note": "车号 浙A12345",
        },
    )
    assert sent.status_code == 303
    delivery_id = int(sent.headers["location"].split("/")[-1].split("?")[0])
    shop.session.expire_all()
    delivery = shop.session.get(Delivery, delivery_id)
    assert delivery is not None and [i.batch_id for i in delivery.batches] == [
        finals[0].id,
        finals[1].id,
    ]
    m01, _ = logged_in(web, "m01")
    listing = m01.get("/deliveries")
    assert listing.status_code == 200 and delivery.number in listing.text
    assert m01.get(f"/deliveries/{delivery_id}").status_code == 200
    pdf = m01.get(f"/api/v1/deliveries/{delivery_id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    m02, _ = logged_in(web, "m02")
    assert m02.get(f"/deliveries/{delivery_id}").status_code == 404
    assert m02.get(f"/api/v1/deliveries/{delivery_id}/certificate.pdf").status_code == 404
    assert delivery.number not in m02.get("/deliveries").text


def test_the_stock_page_shows_age_and_alarm_and_only_the_members_own(
    shop: Shop, web: TestClient
) -> None:
    (mine,) = shop.finals(1, "M01")
    (theirs,) = shop.finals(1, "M02")
    shop.session.commit()
    m01, _ = logged_in(web, "m01")
    page = m01.get("/stock")
    assert page.status_code == 200
    assert mine.code in page.text and theirs.code not in page.text
    assert 'data-testid="stock-expiring"' in page.text
    api = m01.get("/api/v1/stock?stage=FB").json()
    assert {row["batch"] for row in api["rows"]} == {mine.code}
    assert api["rows"][0]["max_age_hours"] == 168.0  # the 7-day shelf life of final batch
    expiry = (mine.ended_at + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S")
    later = m01.get(f"/api/v1/stock?stage=FB&at={expiry}%2B08:00").json()
    assert later["expired"] == 1 and later["rows"][0]["alarm"] == "expired"
    operator, _ = logged_in(web, "operator")
    assert 'action="/stock/batches/' in operator.get("/stock").text  # may move batches
    assert 'action="/stock/batches/' not in page.text  # a member may not
