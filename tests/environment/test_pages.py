"""Environment pages: staff see the month's ledger with the chart "VOC by method", keep the log
and the waste records; a member's users see only their own VOC per tonne."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from mixshare.db import session_factory
from mixshare.environment.imports import import_stack_monitoring
from mixshare.web.app import create_app
from tests.environment.conftest import HOURS, MONTH, Month, write_stack_csv
from tests.web.pages_helpers import page_login, post_form


@pytest.fixture
def client(month: Month, tmp_path: Path) -> Iterator[TestClient]:
    with session_factory(month.db_url)() as session:
        import_stack_monitoring(session, write_stack_csv(tmp_path / "s.csv", list(range(HOURS))))
        session.commit()
    with TestClient(create_app(month.db_url, secret_key="test-secret")) as test_client:
        yield test_client


def _chart(html: str) -> dict[str, list[object]]:
    found = re.search(r'<script type="application/json" id="voc-data">(.*?)</script>', html, re.S)
    assert found is not None
    data: dict[str, list[object]] = json.loads(found.group(1))
    return data


def test_staff_see_both_methods_side_by_side(client: TestClient) -> None:
    page_login(client, "planner")
    html = client.get(f"/environment?month={MONTH}").text
    assert 'data-testid="rubber-input">5.000 t' in html
    assert 'data-testid="voc-factor">7.859 kg' in html
    assert 'data-testid="voc-stack">9.050 kg' in html
    assert 'data-parameter="nmhc_mg_m3" data-status="exceeded"' in html
    assert 'data-testid="unverified"' in html
    chart = _chart(html)
    assert chart["months"][-1] == MONTH and chart["factor"][-1] == 7.859
    assert chart["stack"][-1] == 9.05 and chart["coverage"][-1] == 1.0
    download = client.get(f"/environment/report.xlsx?month={MONTH}")
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "Zero-waste indicators" in load_workbook(io.BytesIO(download.content)).sheetnames


def test_a_member_sees_only_its_own_voc_per_tonne(client: TestClient) -> None:
    page_login(client, "m01")
    html = client.get(f"/environment?month={MONTH}").text
    assert 'data-testid="rubber-input">3.000 t' in html  # M01's own, not the center's 5 t
    assert 'data-testid="voc-factor">1.813 kg/t' in html
    assert 'data-testid="voc-stack">1.810 kg/t' in html
    for staff_only in ('data-testid="voc-methods"', 'data-testid="limits"', "M02", "5.000"):
        assert staff_only not in html
    assert _chart(html)["factor"][-1] == 1.813
    api = client.get(f"/api/v1/environment?month={MONTH}").json()
    assert api["member"] == "M01" and api["rubber_input_t"] == pytest.approx(3.0)
    assert client.get(f"/environment/report.xlsx?month={MONTH}").status_code == 404


def test_the_operator_keeps_the_log_and_the_waste_records(client: TestClient) -> None:
    token = page_login(client, "operator")
    bad = post_form(client, "/environment/treatment", token, day="2026-11-03", fan_hours="25")
    assert bad.status_code == 422 and 'data-field-error="fan_hours"' in bad.text
    good = post_form(client, "/environment/treatment", token, day="2026-11-03", fan_hours="20",
                     combustion_temp_min_c="765", note="正常")  # fmt: skip
    assert good.status_code == 303
    assert 'data-day="2026-11-03"' in client.get(f"/environment/treatment?month={MONTH}").text
    made = post_form(client, "/environment/waste/containers", token, code="HW-1",
                     category="hazardous", waste_type="废活性炭", hw_code="HW49 900-039-49",
                     mass_kg="850", filled_on="2026-11-03")  # fmt: skip
    assert made.status_code == 303
    refused = post_form(client, "/environment/waste/transfers", token, container="HW-1",
                        transferred_on="2026-11-20", receiver="<b>处置公司</b>", mass_kg="850",
                        method="disposal")  # fmt: skip
    assert refused.status_code == 422 and "manifest" in refused.text
    assert "<b>处置公司</b>" not in refused.text  # the value is shown escaped
    transfer = {"container": "HW-1", "transferred_on": "2026-11-20", "receiver": "<b>处置公司</b>",
                "mass_kg": "850", "method": "disposal", "receiver_licence": "3300-1"}  # fmt: skip
    moved = post_form(client, "/environment/waste/transfers", token, **transfer,
                      manifest_no="ZJ-2026-1")  # fmt: skip
    assert moved.status_code == 303
    listing = client.get("/environment/waste").text
    assert "&lt;b&gt;处置公司&lt;/b&gt;" in listing and "ZJ-2026-1" in listing


def test_the_admin_versions_limits_and_sets_product_classes(client: TestClient) -> None:
    token = page_login(client, "admin")
    answer = post_form(client, "/environment/reference/limits", token, parameter="nmhc_mg_m3",
                       bound="max", value="60", valid_from="2026-11-01",
                       source="排污许可证 permit 2026", verified="1")  # fmt: skip
    assert answer.status_code == 303
    html = client.get(f"/environment?month={MONTH}").text
    assert 'data-parameter="nmhc_mg_m3" data-status="ok"' in html
    changed = post_form(client, "/environment/reference/product-class", token,
                        compound="M01.C-M01", product_class="other")  # fmt: skip
    assert changed.status_code == 303
    html = client.get(f"/environment?month={MONTH}").text
    assert 'data-testid="rubber-input">5.000 t' in html and "other: 5.000 t" in html
