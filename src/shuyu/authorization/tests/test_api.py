"""API: every refusal is {code, article, message_zh, message_en} with a 4xx status and writes nothing;
every act writes exactly one ledger entry."""

import datetime as dt

from django.test import Client

from shuyu import ledger
from shuyu.core import clock
from shuyu.orgs.models import Person

from .. import rules
from ..models import Agreement, PlanVersion
from . import factories

J = "application/json"


def _plan_body(resource_ids, **over):
    d = factories.plan_draft(resource_ids, **over)
    body = {f: getattr(d, f) for f in d.__dataclass_fields__}
    body["resource_ids"] = list(d.resource_ids)
    body["products"] = [p.__dict__ for p in d.products]
    body["feasibility"] = dict(d.feasibility)
    body["operator_conditions"] = dict(d.operator_conditions)
    body["priority_fields"] = []
    return body


def _agreement_body(version, selection, **over):
    d = factories.agreement_draft(version, **over)
    body = {f: getattr(d, f) for f in d.__dataclass_fields__}
    body.update(
        selection_id=selection.pk,
        resource_ids=list(d.resource_ids),
        field_grants={str(r): list(f) for r, f in d.field_grants},
        products=[p.__dict__ for p in d.products],
        starts_on=d.starts_on.isoformat(),
        ends_on=d.ends_on.isoformat(),
    )
    return body


def test_r11_1_plan_lifecycle_over_the_api(client, bearer, agency, gov, province_admin, resources):
    a, g, p = bearer(agency), bearer(gov), bearer(province_admin)
    before = ledger.size()
    r = client.post(
        "/api/authorization/plans", _plan_body([x.pk for x in resources]), content_type=J, headers=a
    )
    assert r.status_code == 201, r.content
    vid = r.json()["id"]
    assert r.json()["missing_items"] == [] and ledger.size() == before + 1
    assert client.post(f"/api/authorization/plan-versions/{vid}/submit", headers=a).status_code == 200
    decision = {"meeting": "省政府常务会议", "decision_ref": "纪要12号", "meeting_on": "2026-03-02"}
    r = client.post(f"/api/authorization/plan-versions/{vid}/approve", decision, content_type=J, headers=g)
    assert r.status_code == 200 and r.json()["filing"]["due_on"] == "2026-03-16"
    r = client.post(f"/api/authorization/plan-versions/{vid}/file", headers=p)
    assert r.status_code == 200 and r.json()["filing"]["overdue"] is False
    assert ledger.size() == before + 4
    assert [x["id"] for x in client.get("/api/authorization/plans", headers=p).json()] == [
        r.json()["plan_id"]
    ]


def test_r11_1_incomplete_plan_submission_is_422_naming_the_article(client, bearer, agency, resources):
    a = bearer(agency)
    vid = client.post(
        "/api/authorization/plans", _plan_body([x.pk for x in resources], name=""), content_type=J, headers=a
    ).json()["id"]
    before = ledger.size()
    r = client.post(f"/api/authorization/plan-versions/{vid}/submit", headers=a)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "R11.1" and body["article"] == "第十一条"
    assert "（一）" in body["message_zh"] and "article 11" in body["message_en"]
    assert ledger.size() == before and PlanVersion.objects.get(pk=vid).status == "draft"


def test_r13_1_approval_by_the_wrong_actor_is_403_and_second_approval_422(
    client, bearer, agency, gov, resources
):
    v = services_submit(agency, resources)
    decision = {"meeting": "m", "decision_ref": "d", "meeting_on": "2026-03-02"}
    a = bearer(agency)
    before = ledger.size()
    r = client.post(f"/api/authorization/plan-versions/{v.pk}/approve", decision, content_type=J, headers=a)
    assert r.status_code == 403 and r.json()["code"] == "R22.1" and ledger.size() == before
    g = bearer(gov)
    assert (
        client.post(
            f"/api/authorization/plan-versions/{v.pk}/approve", decision, content_type=J, headers=g
        ).status_code
        == 200
    )
    before = ledger.size()
    r = client.post(f"/api/authorization/plan-versions/{v.pk}/approve", decision, content_type=J, headers=g)
    assert r.status_code == 422 and r.json()["code"] == "R13.1" and ledger.size() == before


def services_submit(agency, resources):
    from .. import services

    v = services.create_plan(agency, draft=factories.plan_draft([r.pk for r in resources]))
    return services.submit_plan(agency, version_id=v.pk)


def test_r22_1_unknown_or_invisible_plan_is_404_and_anonymous_401(client, bearer, approved, operators):
    r = client.get(f"/api/authorization/plan-versions/{approved.pk}", headers=bearer(operators[0]))
    assert r.status_code == 404 and r.json()["code"] == "R22.1"
    assert client.get("/api/authorization/plans").status_code == 401


def test_r16_2_agreement_over_five_years_is_422_and_nothing_written(
    client, bearer, agency, approved, selection
):
    body = _agreement_body(approved, selection, starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2031, 4, 2))
    a = bearer(agency)
    before = ledger.size()
    r = client.post("/api/authorization/agreements", body, content_type=J, headers=a)
    assert r.status_code == 422 and r.json()["code"] == "R16.2" and r.json()["article"] == "第十六条"
    assert not Agreement.objects.exists() and ledger.size() == before


def test_r15_1_agreement_lifecycle_over_the_api(client, bearer, agency, approved, selection, operators):
    a = bearer(agency)
    before = ledger.size()
    r = client.post(
        "/api/authorization/agreements", _agreement_body(approved, selection), content_type=J, headers=a
    )
    assert r.status_code == 201, r.content
    aid = r.json()["id"]
    sign = {"review_meeting": "主任办公会", "review_decision_ref": "纪要3号", "reviewed_on": "2026-03-02"}
    r = client.post(f"/api/authorization/agreements/{aid}/sign", sign, content_type=J, headers=a)
    assert r.status_code == 200 and r.json()["filing"]["due_on"] == "2026-03-16"
    assert client.post(f"/api/authorization/agreements/{aid}/file", headers=a).json()["status"] == "filed"
    assert (
        client.post(f"/api/authorization/agreements/{aid}/activate", headers=a).json()["status"] == "active"
    )
    # activation also records each resource's first provision (N-REG.9), one entry per resource
    assert ledger.size() == before + 4 + len(Agreement.objects.get(pk=aid).resource_ids)
    mine = client.get("/api/authorization/agreements", headers=bearer(operators[0])).json()
    assert [x["id"] for x in mine] == [aid]
    assert client.get("/api/authorization/agreements", headers=bearer(operators[1])).json() == []
    public = Client().get("/api/authorization/public/authorizations")
    assert public.status_code == 200
    [entry] = public.json()
    assert entry["operator_name"] == "四川数据运营有限公司" and entry["mode_label"] == "整体授权"
    assert "review_decision_ref" not in entry and "纪要" not in public.content.decode()


def test_r10_1_signing_before_selection_is_422(client, bearer, agency, approved, operators):
    from .. import services

    s = services.start_selection(agency, plan_id=approved.plan_id, method="negotiation", title="t")
    r = client.post(
        "/api/authorization/agreements", _agreement_body(approved, s), content_type=J, headers=bearer(agency)
    )
    assert r.status_code == 422 and r.json()["code"] == "R10.1"


def test_r14_1_selection_over_the_api(client, bearer, agency, approved, operators):
    a = bearer(agency)
    r = client.post(
        "/api/authorization/selections",
        {"plan_id": approved.plan_id, "method": "negotiation", "title": "遴选"},
        content_type=J,
        headers=a,
    )
    assert r.status_code == 201
    sid = r.json()["id"]
    r = client.post(f"/api/authorization/selections/{sid}/open", headers=a)
    assert r.status_code == 422 and r.json()["code"] == "N-SPEC.3"
    c = {"parties": "各方", "consulted_on": "2026-03-02", "comments": "同意"}
    assert (
        client.post(
            f"/api/authorization/selections/{sid}/consultations", c, content_type=J, headers=a
        ).status_code
        == 201
    )
    assert client.post(f"/api/authorization/selections/{sid}/open", headers=a).status_code == 200
    ids = []
    for i, op in enumerate(operators):
        body = {
            "operator_org_id": op.org_id,
            "conditions_met": dict.fromkeys(rules.OPERATOR_CONDITION_KEYS, True),
            "data_security_compliant": True,
        }
        cid = client.post(
            f"/api/authorization/selections/{sid}/candidates", body, content_type=J, headers=a
        ).json()["id"]
        assert (
            client.post(
                f"/api/authorization/candidates/{cid}/score", {"score": 90 - i}, content_type=J, headers=a
            ).status_code
            == 200
        )
        ids.append(cid)
    r = client.post(
        f"/api/authorization/selections/{sid}/decide",
        {"winner_candidate_id": ids[1], "decision_ref": "r"},
        content_type=J,
        headers=a,
    )
    assert r.status_code == 422 and r.json()["code"] == "R14.1"
    r = client.post(
        f"/api/authorization/selections/{sid}/decide",
        {"winner_candidate_id": ids[0], "decision_ref": "r"},
        content_type=J,
        headers=a,
    )
    assert r.status_code == 200 and r.json()["winner_operator_id"] == operators[0].org_id


def test_r13_2_deadlines_endpoint_and_session_login(agency, approved):
    c = Client(enforce_csrf_checks=False)
    c.force_login(Person.objects.get(pk=agency.person_id).user)
    with clock.frozen(dt.date(2026, 3, 17)):
        [d] = c.get("/api/authorization/deadlines").json()
    assert d["kind"] == "plan_filing" and d["overdue"] is True and d["due_on"] == "2026-03-16"


def _authorization_routes():
    from shuyu.api.main import api

    schema = api.get_openapi_schema()
    for path, ops in schema["paths"].items():
        if path.startswith("/api/authorization/") and "/public/" not in path:
            for method in ops:
                yield method, path


def test_r22_1_every_authorization_endpoint_refuses_the_anonymous_with_401_and_writes_nothing(approved):
    client = Client()
    before = ledger.size()
    routes = list(_authorization_routes())
    assert len(routes) >= 30
    for method, path in routes:
        url = path.replace("{", "").replace("}", "")
        for name in (
            "plan_id",
            "version_id",
            "selection_id",
            "agreement_id",
            "candidate_id",
            "designation_id",
        ):
            url = url.replace(name, str(approved.pk))
        r = getattr(client, method)(url, {}, content_type=J)
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.json()["code"] == "R22.1"
    assert ledger.size() == before


def test_r22_1_operator_cannot_create_plans_or_selections(client, bearer, operators, approved, resources):
    h = bearer(operators[0])
    before = ledger.size()
    r = client.post(
        "/api/authorization/plans", _plan_body([x.pk for x in resources]), content_type=J, headers=h
    )
    assert r.status_code == 403 and r.json()["code"] == "R22.1"
    body = {"plan_id": approved.plan_id, "method": "negotiation", "title": "t"}
    r = client.post("/api/authorization/selections", body, content_type=J, headers=h)
    assert r.status_code == 404
    assert ledger.size() == before


def test_r08_1_designation_over_the_api(client, bearer, make_actor, city_gov, province_admin, city_admin):
    agency = make_actor("implementing_agency", "510100", name="成都市大数据中心")
    g, p, c = bearer(city_gov), bearer(province_admin), bearer(city_admin)
    before = ledger.size()
    body = {
        "agency_org_id": agency.org_id,
        "decision_ref": "成府函〔2026〕8号",
        "designated_on": "2026-03-02",
    }
    r = client.post("/api/authorization/designations", body, content_type=J, headers=g)
    assert r.status_code == 201 and r.json()["filed"] is False
    did = r.json()["id"]
    r = client.post(f"/api/authorization/designations/{did}/file", headers=c)
    assert r.status_code == 403 and r.json()["code"] == "R08.1"
    r = client.post(f"/api/authorization/designations/{did}/file", headers=p)
    assert r.status_code == 200 and r.json()["filed"] is True
    assert ledger.size() == before + 2
    assert [d["id"] for d in client.get("/api/authorization/designations", headers=p).json()] == [did]


def test_r19_1_agreement_field_grants_over_the_api(client, bearer, agency, approved, selection, resources):
    from shuyu.catalog.models import ResourceField

    for i, name in enumerate(("uscc", "rating", "year")):
        ResourceField.objects.create(resource=resources[0], name=name, position=i)
    a = bearer(agency)
    body = _agreement_body(approved, selection)
    body["field_grants"] = {str(resources[0].pk): ["rating", "year", "secret"]}
    before = ledger.size()
    r = client.post("/api/authorization/agreements", body, content_type=J, headers=a)
    assert r.status_code == 422 and r.json()["code"] == "R19.1" and ledger.size() == before
    body["field_grants"] = {str(resources[0].pk): ["Rating", "year"]}
    r = client.post("/api/authorization/agreements", body, content_type=J, headers=a)
    assert r.status_code == 201, r.content
    assert r.json()["field_grants"] == {str(resources[0].pk): ["rating", "year"]}
