"""关联汇聚风险 (R23.5) end to end: a combining job is scored in the jail and held for the agency's approval."""

import datetime as dt
import json

import pytest

from shuyu import ledger
from shuyu.core import clock
from shuyu.core.errors import DomainError, PermissionDenied
from shuyu.ledger.models import LedgerEntry
from shuyu.sandbox import prior_approval, services

from .conftest import CANARY, PEOPLE_CSV_ROWS, assert_no_canary, requires_jail

pytestmark = requires_jail


def _med_csv(path):
    """医保 records of the same people: district (quasi) and birth year (quasi, one per person)."""
    from shuyu.catalog.rules import cn_id_check_char

    lines = ["id_no,district,birth_year,claims"]
    for i in range(PEOPLE_CSV_ROWS):
        body = f"510104{1960 + i % 40}{1 + i % 12:02d}{1 + i % 28:02d}{i:03d}"
        lines.append(
            f"{body + cn_id_check_char(body)},{('510104', '510105', '510106')[i % 3]},{1900 + i},{i % 7}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def combined(world, make_actor, data_dir):
    """An agreement over two data source units' resources (人社 people, 医保 records) and a workspace."""
    from shuyu.authorization import services as auth
    from shuyu.authorization.tests import factories as af
    from shuyu.catalog import services as cat
    from shuyu.catalog.rules import FieldSpec as CatalogField

    with clock.frozen(dt.date(2026, 3, 2)):
        med = make_actor("data_source_unit", "510000", name="四川省医疗保障局")
        resource = cat.create_resource(
            med,
            code="R-MED",
            name="医保结算记录",
            region_code="510000",
            fields=[
                CatalogField(
                    name="id_no", format="cn_id", sensitivity="direct", is_key=True, is_disclosure_unit=True
                ),
                CatalogField(name="district", format="region", sensitivity="quasi"),
                CatalogField(name="birth_year", type="integer", sensitivity="quasi"),
                CatalogField(name="claims", type="integer"),
            ],
            description="医保结算",
            sector="医疗保障",
        )
        cat.classify_resource(
            med,
            resource_id=resource.pk,
            sector="医疗保障",
            impacts=[("individual_rights", "serious")],
            grading_factors={"规模": "全省参保人员"},
        )
        cat.ingest_file(med, resource_id=resource.pk, path=_med_csv(data_dir / "med.csv"))
        gov = make_actor("government", "510000", name="四川省人民政府")
        operator = make_actor("operator", "510100", name="蜀道数据有限公司")
        runner_up = make_actor("operator", "510100", name="锦江数据有限公司")
        version = af.approved_plan(world.agency, gov, [world.resource.pk, resource.pk])
        selection = af.decided_selection(world.agency, version, [operator, runner_up])
        agreement = af.signed_agreement(world.agency, version, selection)
        auth.file_agreement(world.agency, agreement_id=agreement.pk)
        auth.activate_agreement(world.agency, agreement_id=agreement.pk)
    ws = services.create_workspace(operator, agreement_id=agreement.pk, name="医保与社保关联分析")
    return type("Combined", (), dict(operator=operator, ws=ws, agency=world.agency, reviewer=world.reviewer))


JOIN = "select p.district, count(*) n from r_people p join r_med m on p.id_no = m.id_no {where} group by p.district"


def _entries(action):
    return [json.loads(e.payload) for e in LedgerEntry.objects.filter(action=action).order_by("seq")]


def test_r23_5_a_cross_unit_join_under_the_threshold_runs_and_its_score_is_recorded(combined, fast_limits):
    job = services.submit_sql_job(combined.operator, workspace_id=combined.ws.pk, sql=JOIN.format(where=""))
    services.run_pending(limits=fast_limits)
    job.refresh_from_db()
    assert job.status in ("released", "gated"), job.error_code
    assert job.association["cross_provider"] and job.association["score"] == 0.0
    assert job.association["providers"] == sorted(["四川省医疗保障局", "四川省人力资源和社会保障厅"])
    assert job.association["records"] == PEOPLE_CSV_ROWS
    [scored] = _entries("sandbox.job.association_scored")
    assert scored["requirement"] == "R23.5" and scored["score"] == 0.0


def test_r23_5_above_the_threshold_the_job_waits_for_the_agencys_approval(combined, fast_limits):
    sql = JOIN.format(where="where m.birth_year > 1900")  # one birth year per person: every record unique
    job = services.submit_sql_job(combined.operator, workspace_id=combined.ws.pk, sql=sql)
    services.run_pending(limits=fast_limits)
    job.refresh_from_db()
    assert job.status == "approval" and not job.outputs.exists()
    assert job.association["score"] == 1.0 and job.association["threshold"] == 0.05
    assert sorted(job.association["quasi"]) == ["r_med.birth_year", "r_med.district", "r_people.district"]
    assert list(prior_approval.approval_queue(combined.reviewer)) == [job]
    assert list(prior_approval.approval_queue(combined.operator)) == []
    with pytest.raises(PermissionDenied):  # the operator never approves its own combination
        prior_approval.decide(combined.operator, job_id=job.pk, decision="approve", note="自己批准")
    with pytest.raises(DomainError) as err:
        prior_approval.decide(combined.reviewer, job_id=job.pk, decision="approve", note=" ")
    assert err.value.requirement == "R23.5"
    prior_approval.decide(
        combined.reviewer, job_id=job.pk, decision="approve", note="用途在协议范围内，已评估"
    )
    job.refresh_from_db()
    assert job.status == "queued" and job.association["decision"] == "approve"
    services.run_pending(limits=fast_limits)  # runs now, not scored or held again
    job.refresh_from_db()
    assert job.status in ("released", "gated", "blocked"), job.error_code
    with pytest.raises(DomainError) as err:  # decisions are final
        prior_approval.decide(combined.reviewer, job_id=job.pk, decision="reject", note="改判")
    assert err.value.requirement == "R23.5"
    held, decided = _entries("sandbox.job.association_held"), _entries("sandbox.job.association_decided")
    assert held[0]["score"] == 1.0 and decided[0]["decision"] == "approve"
    assert_no_canary(*(e.payload for e in LedgerEntry.objects.all()))


def test_r23_5_a_rejected_combination_is_blocked_for_good(combined, fast_limits):
    sql = JOIN.format(where="where m.birth_year > 1900")
    job = services.submit_sql_job(combined.operator, workspace_id=combined.ws.pk, sql=sql)
    services.run_pending(limits=fast_limits)
    before = ledger.size()
    prior_approval.decide(combined.agency, job_id=job.pk, decision="reject", note="关联后可识别到个人")
    job.refresh_from_db()
    assert job.status == "blocked" and ledger.size() == before + 1
    assert services.run_pending(limits=fast_limits) == 0  # nothing queued: it never runs
    assert not job.outputs.exists()


def test_r23_5_a_python_job_over_several_units_cannot_be_scored_and_needs_approval(combined, fast_limits):
    code = "from shuyu_sdk import load\nload('r_people')\n"
    job = services.submit_python_job(combined.operator, workspace_id=combined.ws.pk, code=code)
    services.run_pending(limits=fast_limits)
    job.refresh_from_db()
    assert job.status == "approval" and job.association["scored"] == "python_unscorable"


def test_r23_5_a_single_units_workspace_is_never_held(world, workspace, fast_limits):
    job = services.submit_sql_job(
        world.operator,
        workspace_id=workspace.pk,
        sql="select district, count(*) n from r_people group by district",
    )
    services.run_pending(limits=fast_limits)
    job.refresh_from_db()
    assert job.status != "approval" and job.association == {}
    assert CANARY not in json.dumps(job.association)


def test_r23_5_a_join_narrowed_to_one_person_is_held_whatever_the_data_says(combined, fast_limits):
    # were it scored and run, held/not-held would tell whether this person's record meets the condition
    sql = JOIN.format(where="where m.birth_year = 1950 and m.claims > 3")  # one person's birth year
    job = services.submit_sql_job(combined.operator, workspace_id=combined.ws.pk, sql=sql)
    services.run_pending(limits=fast_limits)
    job.refresh_from_db()
    assert job.status == "approval" and job.association["records"] < 10


def test_r23_5_api_queue_and_decision_and_the_operator_never_sees_the_score(
    combined, fast_limits, client, bearer
):
    sql = JOIN.format(where="where m.birth_year > 1900")
    op, ag = bearer(combined.operator), bearer(combined.reviewer)
    r = client.post(
        f"/api/sandbox/workspaces/{combined.ws.pk}/jobs",
        {"kind": "sql", "code": sql},
        "application/json",
        headers=op,
    )
    assert r.status_code == 201, r.content
    job_id = r.json()["id"]
    services.run_pending(limits=fast_limits)
    mine = client.get(f"/api/sandbox/jobs/{job_id}", headers=op).json()
    assert mine["status"] == "approval" and mine["association"]["cross_provider"] is True
    assert "score" not in mine["association"] and "records" not in mine["association"]
    queue = client.get("/api/sandbox/jobs/approval-queue", headers=ag).json()
    assert [j["id"] for j in queue] == [job_id] and queue[0]["association"]["score"] == 1.0
    assert client.get("/api/sandbox/jobs/approval-queue", headers=op).json() == []
    r = client.post(
        f"/api/sandbox/jobs/{job_id}/association",
        {"decision": "approve", "note": "x"},
        "application/json",
        headers=op,
    )
    assert r.status_code == 403
    r = client.post(
        f"/api/sandbox/jobs/{job_id}/association",
        {"decision": "maybe", "note": "再议"},
        "application/json",
        headers=ag,
    )
    assert r.status_code == 422 and r.json()["code"] == "R23.5"
    r = client.post(
        f"/api/sandbox/jobs/{job_id}/association",
        {"decision": "approve", "note": "已评估关联风险"},
        "application/json",
        headers=ag,
    )
    assert r.status_code == 200 and r.json()["status"] == "queued"


def test_r23_5_cli_approvals_and_decide(combined, fast_limits, admin):
    from typer.testing import CliRunner

    from shuyu.cli.main import app
    from shuyu.orgs import tokens

    sql = JOIN.format(where="where m.birth_year > 1900")
    job = services.submit_sql_job(combined.operator, workspace_id=combined.ws.pk, sql=sql)
    services.run_pending(limits=fast_limits)
    ag = tokens.issue_token(admin, person_id=combined.agency.person_id).raw
    r = CliRunner().invoke(app, ["job", "approvals", "--token", ag])
    assert r.exit_code == 0 and f"job {job.pk}: approval" in r.output and "score=1.0" in r.output
    r = CliRunner().invoke(app, ["job", "decide", str(job.pk), "--reject", "--note", "不同意", "--token", ag])
    assert r.exit_code == 0, r.output
    assert "blocked" in r.output
    r = CliRunner().invoke(app, ["job", "decide", str(job.pk), "--approve", "--note", "改判", "--token", ag])
    assert r.exit_code == 1 and "R23.5" in r.output


def test_r23_5_pages_agency_decides_and_the_operator_sees_no_score(combined, fast_limits, client):
    from shuyu.orgs.models import Person

    sql = JOIN.format(where="where m.birth_year > 1900")
    job = services.submit_sql_job(combined.operator, workspace_id=combined.ws.pk, sql=sql)
    services.run_pending(limits=fast_limits)
    client.force_login(Person.objects.get(pk=combined.operator.person_id).user)
    page = client.get(f"/sandbox/workspaces/{combined.ws.pk}/").content.decode()
    assert "须由实施机构事前审批" in page and "唯一记录占比" not in page and "100%" not in page
    client.force_login(Person.objects.get(pk=combined.reviewer.person_id).user)
    page = client.get("/sandbox/").content.decode()
    assert 'id="association-approvals"' in page and f'id="job-{job.pk}"' in page and "100%（阈值 5%）" in page
    r = client.post(f"/sandbox/jobs/{job.pk}/association", {"decision": "approve", "note": ""})
    assert r.status_code == 422 and "R23.5" in r.content.decode()
    r = client.post(f"/sandbox/jobs/{job.pk}/association", {"decision": "approve", "note": "同意"})
    assert r.status_code == 302
    job.refresh_from_db()
    assert job.status == "queued"
    assert f'id="job-{job.pk}"' not in client.get("/sandbox/").content.decode()


@pytest.mark.browser
def test_r23_5_agency_approves_a_combining_job_in_a_real_browser(
    combined, fast_limits, page, login, screenshot
):
    sql = JOIN.format(where="where m.birth_year > 1900")
    job = services.submit_sql_job(combined.operator, workspace_id=combined.ws.pk, sql=sql)
    services.run_pending(limits=fast_limits)
    login(combined.reviewer)
    page.goto("/sandbox/")
    row = page.locator(f"#job-{job.pk}")
    text = row.inner_text()
    assert "100%（阈值 5%）" in text and "r_med.birth_year" in text
    row.locator("input[name=note]").fill("关联用途在协议范围内")
    screenshot(page, "approvals")
    with page.expect_navigation():
        row.locator("button[value=approve]").click()
    assert "queued" in page.inner_text("main")
    job.refresh_from_db()
    assert job.status == "queued" and job.association["decision"] == "approve"
