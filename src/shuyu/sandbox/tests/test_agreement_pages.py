"""第二十九条 on the agreement page: suspend during rectification, resume, terminate — and the secure
environment stops at once (R29.1, R15.1)."""

import json

import pytest

from shuyu.core.errors import DomainError
from shuyu.ledger.models import LedgerEntry
from shuyu.orgs.models import Person
from shuyu.sandbox import services

QUERY = "select district, count(*) n from r_people group by district"


def _login(client, actor):
    client.force_login(Person.objects.get(pk=actor.person_id).user)


def test_r29_1_agency_suspends_on_the_page_and_jobs_stop_then_resumes(world, workspace, client):
    page = f"/agency/agreements/{world.agreement.pk}/"
    _login(client, world.operator)
    assert 'id="lifecycle"' not in client.get(page).content.decode()  # the operator may not
    _login(client, world.agency)
    html = client.get(page).content.decode()
    assert "暂停 Suspend" in html and "提前终止 Terminate" in html and "恢复 Resume" not in html
    r = client.post(f"{page}suspend/", {"reason": "  "})
    assert r.status_code == 422 and "R15.1" in r.content.decode()
    world.agreement.refresh_from_db()
    assert world.agreement.status == "active"
    r = client.post(f"{page}suspend/", {"reason": "年度评价不合格，整改期间暂停"})
    assert r.status_code == 302
    world.agreement.refresh_from_db()
    assert world.agreement.status == "suspended"
    entry = LedgerEntry.objects.filter(action="authorization.agreement.suspended").get()
    assert json.loads(entry.payload)["reason"] == "年度评价不合格，整改期间暂停"
    with pytest.raises(DomainError) as err:  # the environment stops at once
        services.submit_sql_job(world.operator, workspace_id=workspace.pk, sql=QUERY)
    assert err.value.requirement == "R29.1"
    html = client.get(page).content.decode()
    assert "恢复 Resume" in html and "暂停 Suspend" not in html
    assert client.post(f"{page}resume/", {"reason": "整改完成"}).status_code == 302
    world.agreement.refresh_from_db()
    assert world.agreement.status == "active"
    services.submit_sql_job(world.operator, workspace_id=workspace.pk, sql=QUERY)


def test_r29_1_the_same_level_data_admin_may_suspend_from_the_page(world, make_actor, client):
    admin_sc = make_actor("data_admin", "510000", name="四川省数据局")
    _login(client, admin_sc)
    page = f"/agency/agreements/{world.agreement.pk}/"
    assert "暂停 Suspend" in client.get(page).content.decode()
    assert client.post(f"{page}suspend/", {"reason": "监督检查发现问题"}).status_code == 302
    world.agreement.refresh_from_db()
    assert world.agreement.status == "suspended"
    assert "提前终止 Terminate" not in client.get(page).content.decode()  # termination is the agency's


def test_r15_1_termination_from_the_page_is_final(world, client):
    _login(client, world.agency)
    page = f"/agency/agreements/{world.agreement.pk}/"
    assert client.post(f"{page}terminate/", {"reason": "运营机构申请退出"}).status_code == 302
    world.agreement.refresh_from_db()
    assert world.agreement.status == "terminated"
    html = client.get(page).content.decode()
    assert 'id="lifecycle"' not in html
    r = client.post(f"{page}resume/", {"reason": "恢复"})
    assert r.status_code == 422  # refused with its article, nothing changes
    world.agreement.refresh_from_db()
    assert world.agreement.status == "terminated"


@pytest.mark.browser
def test_r29_1_suspend_in_a_real_browser(world, page, login, screenshot):
    login(world.agency)
    page.goto(f"/agency/agreements/{world.agreement.pk}/")
    page.fill("#reason", "整改期间暂停（第二十九条）")
    screenshot(page, "lifecycle")
    with page.expect_navigation():
        page.click("text=暂停 Suspend")
    assert "协议已暂停" in page.inner_text("main")
    world.agreement.refresh_from_db()
    assert world.agreement.status == "suspended"


def test_r19_1_the_secure_environment_is_in_each_roles_navigation(world, client):
    _login(client, world.operator)
    assert '<a href="/sandbox/">安全开发环境' in client.get("/").content.decode()
    _login(client, world.reviewer)
    home = client.get("/").content.decode()
    assert '<a href="/sandbox/">输出审查' in home and "安全开发环境<span" not in home
