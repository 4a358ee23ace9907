"""The lines and calendars pages: holidays (part day too), shift patterns (by weekday or
rotating) and new lines; a bad entry comes back with its field named and nothing saved, and
only the admin may change them."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.lines.models import Holiday
from tests.web.conftest import World
from tests.web.pages_helpers import page_login, post_form


def holidays(db: Session) -> list[tuple[date, str, str]]:
    db.expire_all()
    return [
        (h.day, h.name, h.open_shifts) for h in db.scalars(select(Holiday).order_by(Holiday.day))
    ]


def test_admin_adds_changes_and_deletes_a_part_day_holiday(
    client: TestClient, world: World, db: Session
) -> None:
    token = page_login(client, "admin")
    answer = post_form(
        client, "/holidays/new", token, day="2031-10-02", name="国庆", open_shifts="06:00-14:00"
    )
    assert answer.status_code == 303
    assert holidays(db) == [(date(2031, 10, 2), "国庆", "06:00-14:00")]
    page = client.get("/calendars")
    assert 'data-holiday="2031-10-02"' in page.text and "06:00-14:00" in page.text
    post_form(client, "/holidays/new", token, day="2031-10-02", name="国庆节", open_shifts="")
    assert holidays(db) == [(date(2031, 10, 2), "国庆节", "")]
    holiday_id = db.scalars(select(Holiday.id)).one()
    assert post_form(client, f"/holidays/{holiday_id}/delete", token).status_code == 303
    assert holidays(db) == []


def test_a_bad_holiday_is_named_and_nothing_saved(
    client: TestClient, world: World, db: Session
) -> None:
    token = page_login(client, "admin")
    answer = post_form(
        client, "/holidays/new", token, day="2031-10-02", name="x", open_shifts="早班"
    )
    assert answer.status_code == 422
    assert 'data-field-error="open_shifts"' in answer.text and "unknown shift" in answer.text
    assert holidays(db) == []


def test_a_planner_may_not_change_holidays(client: TestClient, world: World, db: Session) -> None:
    token = page_login(client, "planner")
    answer = post_form(client, "/holidays/new", token, day="2031-10-02", name="x")
    assert answer.status_code == 404
    assert holidays(db) == []
    assert 'data-testid="holiday-form"' not in client.get("/calendars").text


def test_admin_saves_a_rotating_shift_pattern_and_a_bad_one_is_named(
    client: TestClient, world: World, db: Session
) -> None:
    from mixshare.lines.models import Calendar

    token = page_login(client, "admin")
    shifts = "day | 08:00 | 12 | 1-2 | A\nnight | 20:00 | 12 | 3-4 | A"
    bad = post_form(
        client, "/calendars/new", token, calendar_name="4 crews", cycle_days="8", shifts=shifts
    )
    assert bad.status_code == 422 and "cycle_start" in bad.text
    assert db.scalars(select(Calendar)).all() == []
    answer = post_form(
        client,
        "/calendars/new",
        token,
        calendar_name="4 crews",
        cycle_days="8",
        cycle_start="2031-03-03",
        shifts=shifts,
    )
    assert answer.status_code == 303
    page = client.get("/calendars")
    assert 'data-calendar="4 crews"' in page.text and "1,2" in page.text
    weekly = post_form(
        client, "/calendars/new", token, calendar_name="W", shifts="early | 06:00 | 8 | Mon-Sat"
    )
    assert weekly.status_code == 303
    # the weekdays in the page's language (they were English on the Chinese page)
    assert "周一 周二 周三 周四 周五 周六" in client.get("/calendars").text
    assert "Mon Tue Wed Thu Fri Sat" in client.get("/calendars?lang=en").text


def test_admin_creates_a_line_on_a_calendar_and_a_bad_one_is_named(
    client: TestClient, world: World, db: Session
) -> None:
    from mixshare.lines import service as lines
    from mixshare.lines.models import Calendar

    token = page_login(client, "admin")
    post_form(client, "/calendars/new", token, calendar_name="W", shifts="a | 06:00 | 8 | Mon-Fri")
    calendar_id = db.scalars(select(Calendar.id)).one()
    fields = {
        "code": "l7",
        "name": "Line 7",
        "net_volume_l": "270",
        "rated_power_kw": "900",
        "calendar_id": str(calendar_id),
        "MB_enabled": "1",
        "MB_fill_factor": "0.7",
        "MB_cycle_minutes": "3.5",
        "MB_kwh_per_kg": "0.2",
    }
    bad = post_form(client, "/lines/new", token, **{**fields, "net_volume_l": "-1"})
    assert bad.status_code == 422 and 'data-field-error="net_volume_l"' in bad.text
    assert post_form(client, "/lines/new", token, **fields).status_code == 303
    db.expire_all()
    line = lines.get_by_code(db, "L7")
    assert line.calendar_id == calendar_id and [s.stage for s in line.stage_settings] == ["MB"]
    again = post_form(client, "/lines/new", token, **fields)
    assert again.status_code == 422 and "a line with this code exists" in again.text
    assert 'data-line="L7"' in client.get("/lines").text
