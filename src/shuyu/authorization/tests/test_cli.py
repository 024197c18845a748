"""CLI: `shuyu plan …`, `shuyu agreement …`, `shuyu deadlines` through typer's CliRunner."""

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from shuyu import ledger
from shuyu.cli.main import app
from shuyu.core import clock
from shuyu.orgs import tokens

from ..models import Agreement, PlanVersion
from . import factories

runner = CliRunner()


@pytest.fixture
def token(admin):
    def _raw(actor):
        return tokens.issue_token(admin, person_id=actor.person_id).raw

    return _raw


def _plan_file(tmp_path, resource_ids, **over):
    d = factories.plan_draft(resource_ids, **over)
    body = {f: getattr(d, f) for f in d.__dataclass_fields__}
    body.update(
        resource_ids=list(d.resource_ids),
        products=[p.__dict__ for p in d.products],
        feasibility=dict(d.feasibility),
        operator_conditions=dict(d.operator_conditions),
        priority_fields=[],
    )
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def test_r13_2_plan_create_submit_approve_file_and_deadlines(
    tmp_path, token, agency, gov, province_admin, resources
):
    a, g, p = token(agency), token(gov), token(province_admin)
    r = runner.invoke(
        app, ["plan", "create", str(_plan_file(tmp_path, [x.pk for x in resources])), "--token", a]
    )
    assert r.exit_code == 0, r.output
    v = PlanVersion.objects.get()
    assert runner.invoke(app, ["plan", "submit", str(v.pk), "--token", a]).exit_code == 0
    r = runner.invoke(
        app, ["plan", "approve", str(v.pk), "--meeting", "省政府常务会议", "--decision-ref", "纪要12号",
              "--meeting-on", "2026-03-02", "--token", g],
    )  # fmt: skip
    assert r.exit_code == 0 and "2026-03-16" in r.output
    with clock.frozen(dt.date(2026, 3, 17)):
        r = runner.invoke(app, ["deadlines", "--token", p])
        assert r.exit_code == 0 and "逾期" in r.output
        assert runner.invoke(app, ["plan", "file", str(v.pk), "--token", p]).exit_code == 0
    r = runner.invoke(app, ["plan", "list", "--token", p])
    assert r.exit_code == 0 and "已审议" in r.output


def test_r11_1_cli_refusal_names_the_article_and_writes_nothing(tmp_path, token, agency, resources):
    a = token(agency)
    runner.invoke(
        app,
        ["plan", "create", str(_plan_file(tmp_path, [x.pk for x in resources], schedule="")), "--token", a],
    )
    v = PlanVersion.objects.get()
    before = ledger.size()
    r = runner.invoke(app, ["plan", "submit", str(v.pk), "--token", a])
    assert r.exit_code == 1
    assert "R11.1" in r.output and "第十一条" in r.output and "（六）" in r.output
    assert ledger.size() == before


def test_r15_1_agreement_commands(tmp_path, token, agency, approved, selection):
    a = token(agency)
    d = factories.agreement_draft(approved)
    body = {f: getattr(d, f) for f in d.__dataclass_fields__}
    body.update(
        resource_ids=list(d.resource_ids), products=[x.__dict__ for x in d.products],
        starts_on=d.starts_on.isoformat(), ends_on=d.ends_on.isoformat(),
    )  # fmt: skip
    path = tmp_path / "agreement.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    r = runner.invoke(app, ["agreement", "create", str(path), "--selection", str(selection.pk), "--token", a])
    assert r.exit_code == 0, r.output
    aid = str(Agreement.objects.get().pk)
    r = runner.invoke(
        app,
        [
            "agreement",
            "sign",
            aid,
            "--review-meeting",
            "主任办公会",
            "--review-decision-ref",
            "纪要3号",
            "--token",
            a,
        ],
    )
    assert r.exit_code == 0 and "已签订" in r.output, r.output
    for cmd in ("file", "activate"):
        assert runner.invoke(app, ["agreement", cmd, aid, "--token", a]).exit_code == 0
    r = runner.invoke(app, ["agreement", "suspend", aid, "--token", a])
    assert r.exit_code == 1 and "R15.1" in r.output  # a reason is required
    r = runner.invoke(app, ["agreement", "list", "--token", a])
    assert "执行中" in r.output


def test_r22_1_revoked_token_is_refused_by_the_cli(admin, agency):
    issued = tokens.issue_token(admin, person_id=agency.person_id)
    tokens.revoke_token(admin, token_id=issued.token.pk)
    r = runner.invoke(app, ["plan", "list", "--token", issued.raw])
    assert r.exit_code == 1 and "R22.1" in r.output


def test_r11_1_plan_template_lists_all_twelve_items(db):
    r = runner.invoke(app, ["plan", "template"])
    assert r.exit_code == 0
    body = json.loads(r.output)
    for n in ("（一）", "（六）", "（七）", "（十二）"):
        assert n in r.output
    assert set(body["feasibility"]) == {
        "lifecycle_management",
        "social_demand",
        "market_size",
        "expected_results",
        "risk_prevention",
    }
    assert "第十六条" in runner.invoke(app, ["agreement", "template", "--help"]).output
