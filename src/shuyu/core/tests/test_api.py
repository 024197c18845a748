"""API of the calendar (N-CAL.1/2): load with permission (201, one ledger entry) or without (403, nothing)."""

import pytest

from shuyu import ledger
from shuyu.core.models import HolidaySchedule

from .test_calendar import SCHEDULE_2027

pytestmark = pytest.mark.django_db


def test_n_cal_1_loading_a_schedule_without_permission_is_403(client, make_actor, bearer):
    headers = bearer(make_actor("data_admin"))
    before = ledger.size()
    r = client.post("/api/core/calendar", SCHEDULE_2027, content_type="application/json", headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "R22.1"
    assert ledger.size() == before and not HolidaySchedule.objects.exists()


def test_n_cal_1_admin_loads_a_schedule_and_2027_becomes_computable(client, admin, bearer):
    headers = bearer(admin)
    r = client.get("/api/core/workdays", {"date": "2027-01-29", "n": 10}, headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "N-CAL.1"
    assert r.json()["article"] == "国务院办公厅节假日安排"
    before = ledger.size()
    r = client.post("/api/core/calendar", SCHEDULE_2027, content_type="application/json", headers=headers)
    assert r.status_code == 201, r.content
    assert r.json()["source"] == "loaded" and "2027-02-13" in r.json()["workdays"]
    assert ledger.size() == before + 1
    r = client.get("/api/core/workdays", {"date": "2027-01-29", "n": 10}, headers=headers)
    assert r.status_code == 200 and r.json()["deadline"] == "2027-02-18"


def test_n_cal_1_invalid_schedule_is_422_and_changes_nothing(client, admin, bearer):
    headers = bearer(admin)
    bad = {**SCHEDULE_2027, "festivals": [{"name": "春节", "start": "2027-02-05", "end": "2027-02-12",
                                          "workdays": ["2027-02-06"]}]}  # fmt: skip
    before = ledger.size()
    r = client.post("/api/core/calendar", bad, content_type="application/json", headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "N-CAL.1"
    assert "既是放假日又是调休上班日" in r.json()["message_zh"]
    assert ledger.size() == before and not HolidaySchedule.objects.exists()


def test_n_cal_1_show_names_the_deciding_source(client, make_actor, bearer):
    headers = bearer(make_actor("implementing_agency"))
    r = client.get("/api/core/calendar/2025", headers=headers)
    assert r.status_code == 200
    assert r.json()["source"] == "shipped" and r.json()["working_days"] == 248
    assert client.get("/api/core/calendar/2024", headers=headers).json()["source"] == "chinesecalendar"
    assert client.get("/api/core/calendar/2027", headers=headers).json()["source"] == "unknown"


@pytest.mark.parametrize(("event", "deadline"), [("2025-09-26", "2025-10-16"), ("2025-12-31", "2026-01-15")])
def test_n_cal_2_filing_deadline_across_holidays(client, make_actor, bearer, event, deadline):
    headers = bearer(make_actor("implementing_agency"))
    r = client.get("/api/core/workdays", {"date": event, "n": 10}, headers=headers)
    assert r.json()["deadline"] == deadline


def test_calendar_needs_authentication(client):
    assert client.get("/api/core/calendar/2025").status_code == 401
