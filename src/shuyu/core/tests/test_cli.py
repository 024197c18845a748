"""`shuyu calendar load/show/deadline` (N-CAL.1/2)."""

import json

import pytest
from typer.testing import CliRunner

from shuyu import ledger
from shuyu.cli.main import app
from shuyu.core.models import HolidaySchedule
from shuyu.orgs import tokens

from .test_calendar import SCHEDULE_2027

pytestmark = pytest.mark.django_db
runner = CliRunner()


def test_n_cal_1_calendar_load_makes_2027_computable(admin, tmp_path):
    raw = tokens.issue_token(admin, person_id=admin.person_id).raw
    path = tmp_path / "holidays_2027.json"
    path.write_text(json.dumps(SCHEDULE_2027, ensure_ascii=False), encoding="utf-8")
    r = runner.invoke(app, ["calendar", "deadline", "2027-01-29", "10"])
    assert r.exit_code == 1 and "N-CAL.1" in r.output
    before = ledger.size()
    r = runner.invoke(app, ["calendar", "load", str(path)], env={"SHUYU_TOKEN": raw})
    assert r.exit_code == 0, r.output
    assert ledger.size() == before + 1
    r = runner.invoke(app, ["calendar", "deadline", "2027-01-29", "10"])
    assert r.exit_code == 0 and r.output.strip() == "2027-02-18"
    r = runner.invoke(app, ["calendar", "show", "2027"], env={"SHUYU_TOKEN": raw})
    assert "loaded" in r.output and "春节" in r.output


def test_n_cal_1_calendar_load_refuses_bad_json_and_non_admins(admin, make_actor, tmp_path):
    raw = tokens.issue_token(admin, person_id=admin.person_id).raw
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    before = ledger.size()
    r = runner.invoke(app, ["calendar", "load", str(bad)], env={"SHUYU_TOKEN": raw})
    assert r.exit_code == 1 and "N-CAL.1" in r.output
    good = tmp_path / "good.json"
    good.write_text(json.dumps(SCHEDULE_2027), encoding="utf-8")
    agency = make_actor("data_admin")
    other = tokens.issue_token(admin, person_id=agency.person_id).raw
    before = ledger.size()
    r = runner.invoke(app, ["calendar", "load", str(good)], env={"SHUYU_TOKEN": other})
    assert r.exit_code == 1 and "R22.1" in r.output
    assert ledger.size() == before and not HolidaySchedule.objects.exists()


def test_n_cal_1_calendar_show_2026_lists_the_official_schedule(admin):
    raw = tokens.issue_token(admin, person_id=admin.person_id).raw
    r = runner.invoke(app, ["calendar", "show", "2026"], env={"SHUYU_TOKEN": raw})
    assert r.exit_code == 0, r.output
    assert "shipped" in r.output and "248" in r.output and "2026-02-15 – 2026-02-23" in r.output
