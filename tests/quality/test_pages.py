"""The lab's pages and API: the quality user enters results, releases and holds; the operator
sees the state; a member's user sees only their own batches' results (404 otherwise)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mixshare.web.app import create_app
from tests.quality.conftest import Lab
from tests.web.pages_helpers import logged_in, post_form


@pytest.fixture
def web(lab: Lab) -> Iterator[TestClient]:
    with TestClient(create_app(lab.db_url, secret_key="test-secret")) as client:
        yield client


def test_quality_enters_results_and_releases_the_operator_sees_it(
    lab: Lab, web: TestClient
) -> None:
    first, _, _ = lab.mix(3)
    lab.session.commit()
    quality, token = logged_in(web, "quality")
    worklist = quality.get("/quality")
    assert worklist.status_code == 200 and first.code in worklist.text
    page = f"/quality/batches/{first.id}"
    bad = post_form(quality, f"{page}/results", token, **{"value_MOONEY": "abc"})
    assert bad.status_code == 422 and "not a number" in bad.text
    saved = post_form(
        quality,
        f"{page}/results",
        token,
        **{"value_MOONEY": "61.5", "value_HARDNESS_A": "64"},
    )
    assert saved.status_code == 303
    assert post_form(quality, f"{page}/release", token).status_code == 303
    operator, _ = logged_in(web, "operator")
    seen = operator.get(page)
    assert seen.status_code == 200 and 'data-testid="batch-state"' in seen.text
    assert "已放行" in seen.text or "released" in seen.text
    assert 'data-testid="release"' not in seen.text  # the operator cannot decide


def test_a_hold_without_reason_is_refused_and_with_one_is_shown(lab: Lab, web: TestClient) -> None:
    (batch,) = lab.mix(1)
    lab.session.commit()
    quality, token = logged_in(web, "quality")
    page = f"/quality/batches/{batch.id}"
    refused = post_form(quality, f"{page}/hold", token, decision="scrap", reason="")
    assert refused.status_code == 422
    held = post_form(quality, f"{page}/hold", token, decision="scrap", reason="门尼超上限")
    assert held.status_code == 303
    shown = quality.get(page).text
    assert "门尼超上限" in shown and 'data-testid="disposition"' in shown


def test_members_see_only_their_own_batches(lab: Lab, web: TestClient) -> None:
    (own,) = lab.mix(1, "M01")
    (foreign,) = lab.mix(1, "M02")
    lab.session.commit()
    member, _ = logged_in(web, "m01")
    assert member.get(f"/quality/batches/{own.id}").status_code == 200
    assert member.get(f"/quality/batches/{foreign.id}").status_code == 404
    assert member.get("/quality").status_code == 404
    token = lab.world.tokens["m01"]
    api = web.get(
        f"/api/v1/quality/batches/{foreign.id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status_code == 404


def test_api_results_all_or_nothing_and_spc(lab: Lab, web: TestClient) -> None:
    batches = lab.mix(3, lot=False)
    lab.session.commit()
    headers = {"Authorization": f"Bearer {lab.world.tokens['quality']}"}
    body = {"results": [
        {"batch_id": batches[0].id, "test": "MOONEY", "value": 60.0},
        {"batch_id": batches[1].id, "test": "MOONEY", "value": 999.0},
    ]}  # fmt: skip
    rejected = web.post("/api/v1/quality/results", json=body, headers=headers)
    assert rejected.status_code == 422 and "results.1.value" in rejected.text
    body["results"][1]["value"] = 62.0
    body["results"].append({"batch_id": batches[2].id, "test": "MOONEY", "value": 58.0})
    assert web.post("/api/v1/quality/results", json=body, headers=headers).status_code == 201
    query = {
        "test": "MOONEY",
        "compound_version_id": lab.version().id,
        "line_id": lab.world.line,
    }
    spc = web.get("/api/v1/quality/spc", params=query, headers=headers).json()
    assert spc["values"] == [60.0, 62.0, 58.0] and spc["centre"] == pytest.approx(60.0)
    quality, _ = logged_in(web, "quality")
    page = quality.get("/quality/spc", params={"test": "MOONEY", "version": lab.version().id})
    assert page.status_code == 200 and 'id="spc-data"' in page.text
