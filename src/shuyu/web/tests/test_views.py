"""The pages through Django's test client: who may see and do what, and how refusals are shown."""

import dataclasses
import datetime as dt

import pytest
from django.test import Client

from shuyu import ledger
from shuyu.authorization import rules, services
from shuyu.authorization.models import Agreement, Plan, PlanVersion
from shuyu.core import clock
from shuyu.demo import scenario


def _client(username: str) -> Client:
    c = Client()
    assert c.login(username=username, password=scenario.DEMO_PASSWORD)
    return c


def _plan(name: str) -> PlanVersion:
    return PlanVersion.objects.get(name=name)


CHENGDU = "成都市公共数据授权运营（普惠金融）"
MEDICAL = "四川省公共数据授权运营（医疗保障服务）"
MARKET = "四川省公共数据授权运营（市场主体服务）"


def test_workspace_pages_need_a_login(demo):
    response = Client().get("/agency/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("username", "path", "text"),
    [
        ("agency", "/agency/", "备案期限"),
        ("agency", "/agency/plans/", MEDICAL),
        ("agency", "/agency/plans/new/", "编制实施方案"),
        ("gov", "/agency/approvals/", MARKET),
        ("dataadmin", "/agency/filings/", MEDICAL),
        ("dataadmin", "/agency/filings/", CHENGDU),  # the province sees the city's filings (第十五条)
        ("agency-cd", "/agency/selections/", "成都市普惠金融数据运营机构竞争性谈判"),
        ("agency-cd", "/agency/agreements/", "成都市公共数据授权运营协议（普惠金融）"),
        ("operator", "/agency/agreements/", "成都市公共数据授权运营协议（普惠金融）"),
        ("auditor", "/agency/plans/", CHENGDU),
    ],
)
def test_each_role_sees_its_pages(demo, username, path, text):
    response = _client(username).get(path)

    assert response.status_code == 200
    assert text in response.content.decode()


def test_selection_page_shows_candidates_scores_and_winner(demo):
    selection = demo_selection()
    page = _client("agency-cd").get(f"/agency/selections/{selection.pk}/").content.decode()

    assert "四川天府数据运营有限公司" in page and "成都蜀信数智科技有限公司" in page
    assert "92.00" in page and "85.00" in page
    assert "谈判" in page


def demo_selection():
    from shuyu.authorization.models import Selection

    return Selection.objects.get()


def test_r22_1_a_plan_outside_ones_scope_is_not_found(demo):
    plan_id = _plan(MEDICAL).plan_id

    response = _client("agency-cd").get(f"/agency/plans/{plan_id}/")  # Chengdu's agency, province's plan

    assert response.status_code == 404
    assert "R22.1" in response.content.decode()


def test_r13_1_agency_cannot_approve_and_nothing_changes(demo):
    v = _plan(MARKET)
    before = ledger.size()

    response = _client("agency").post(
        f"/agency/plans/{v.plan_id}/approve/",
        {"decision": "approve", "meeting": "会议", "decision_ref": "文号", "meeting_on": str(clock.today())},
    )

    assert response.status_code == 403
    assert "R22.1" in response.content.decode()
    assert _plan(MARKET).status == "submitted" and ledger.size() == before


def test_r13_1_city_government_cannot_approve_a_provincial_plan(demo):
    v = _plan(MARKET)

    response = _client("gov-cd").post(
        f"/agency/plans/{v.plan_id}/approve/",
        {"decision": "approve", "meeting": "会议", "decision_ref": "文号", "meeting_on": str(clock.today())},
    )

    assert response.status_code in (403, 404)
    assert _plan(MARKET).status == "submitted"


def test_r13_1_government_returns_a_plan_with_its_reason(demo):
    v = _plan(MARKET)

    response = _client("gov").post(
        f"/agency/plans/{v.plan_id}/approve/",
        {
            "decision": "return",
            "meeting": "省政府常务会议",
            "decision_ref": "川府常〔2026〕90号纪要",
            "meeting_on": str(clock.today()),
            "reason": "数据资源范围需进一步论证",
        },
        follow=True,
    )

    assert "退回修改" in response.content.decode()
    assert _plan(MARKET).status == "returned"


def test_r16_2_plan_form_with_a_term_over_five_years_is_refused_and_nothing_saved(demo):
    before = Plan.objects.count()

    response = _client("agency").post("/agency/plans/new/", {"name": "超期方案", "term_years": "6"})

    assert response.status_code == 422
    body = response.content.decode()
    assert "R16.2" in body and "第十六条" in body and "超期方案" in body  # typed values are kept
    assert Plan.objects.count() == before


def test_r13_2_data_admin_files_from_the_filings_page_and_late_filing_is_flagged(demo):
    v = _plan(MEDICAL)

    with clock.frozen(v.filing_due_on + dt.timedelta(days=3)):
        response = _client("dataadmin").post(f"/agency/plans/{v.plan_id}/file/", follow=True)

    assert "实施方案已备案" in response.content.decode()
    v.refresh_from_db()
    assert v.filed_on > v.filing_due_on
    page = _client("dataadmin").get("/agency/filings/").content.decode()
    assert "逾期备案" in page


def test_r15_1_agency_signs_and_files_an_agreement_through_the_pages(demo):
    agreement = _draft_agreement_on_the_medical_plan(demo)
    client = _client("agency")
    today = clock.today()

    client.post(
        f"/agency/agreements/{agreement.pk}/sign/",
        {
            "review_meeting": "中心党委会2026年第12次会议",
            "review_decision_ref": "川数中党〔2026〕12号",
            "reviewed_on": str(today),
            "signed_on": str(today),
        },
    )
    agreement.refresh_from_db()
    assert agreement.status == rules.AgreementStatus.SIGNED and agreement.filing_due_on is not None

    response = client.post(f"/agency/agreements/{agreement.pk}/file/", follow=True)

    assert "协议已备案" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == rules.AgreementStatus.FILED


def test_r15_1_signing_without_the_agencys_collective_review_is_refused(demo):
    agreement = _draft_agreement_on_the_medical_plan(demo)

    response = _client("agency").post(f"/agency/agreements/{agreement.pk}/sign/", {"signed_on": ""})

    assert response.status_code == 422
    assert "R15.1" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == rules.AgreementStatus.DRAFT


def _draft_agreement_on_the_medical_plan(demo) -> Agreement:
    """Through the services: a negotiation under the approved provincial plan, then a draft agreement."""
    from shuyu.orgs.models import Person
    from shuyu.orgs.selectors import actor_for_person

    agency = actor_for_person(Person.objects.get(user__username="agency"))
    v = _plan(MEDICAL)
    s = services.start_selection(
        agency, plan_id=v.plan_id, method="negotiation", title="医保数据运营机构谈判"
    )
    services.record_consultation(
        agency, selection_id=s.pk, parties="省医保局", consulted_on=clock.today(), comments="同意"
    )
    services.open_selection(agency, selection_id=s.pk)
    candidates = []
    for username, score in (("operator", 90), ("operator2", 80)):
        org_id = Person.objects.get(user__username=username).organization_id
        c = services.add_candidate(
            agency,
            selection_id=s.pk,
            operator_org_id=org_id,
            conditions_met=dict.fromkeys(rules.OPERATOR_CONDITION_KEYS, True),
            data_security_compliant=True,
        )
        services.score_candidate(agency, candidate_id=c.pk, score=score)
        candidates.append(c)
    services.decide_selection(
        agency, selection_id=s.pk, winner_candidate_id=candidates[0].pk, decision_ref="公告"
    )
    today = clock.today()
    draft = dataclasses.replace(
        scenario._agreement_draft(v),
        title="四川省公共数据授权运营协议（医疗保障服务）",
        starts_on=today,
        ends_on=rules.add_years(today, 3) - dt.timedelta(days=1),
    )
    return services.create_agreement(agency, selection_id=s.pk, draft=draft)


def test_r11_1_a_refused_draft_is_completed_on_the_edit_page_and_then_submitted(demo):
    from shuyu.web.pages.authorization_forms import version_as_form

    client = _client("agency")
    client.post("/agency/plans/new/", {"name": "四川省公共数据授权运营（交通出行）"})
    draft = PlanVersion.objects.get(name="四川省公共数据授权运营（交通出行）")
    refused = client.post(f"/agency/plans/{draft.plan_id}/submit/")
    assert refused.status_code == 422 and "R11.1" in refused.content.decode()
    edit_page = client.get(f"/agency/plans/{draft.plan_id}/edit/").content.decode()
    assert "四川省公共数据授权运营（交通出行）" in edit_page  # the form is filled from the draft

    complete = dict(version_as_form(_plan(MEDICAL)).lists())
    complete["name"] = ["四川省公共数据授权运营（交通出行）"]
    client.post(f"/agency/plans/{draft.plan_id}/edit/", complete)
    response = client.post(f"/agency/plans/{draft.plan_id}/submit/", follow=True)

    assert "实施方案已报本级人民政府审议" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert sorted(draft.resource_ids) == sorted(_plan(MEDICAL).resource_ids)


def test_r13_1_an_approved_plan_has_no_edit_page(demo):
    v = _plan(CHENGDU)

    response = _client("agency-cd").post(f"/agency/plans/{v.plan_id}/edit/", {"name": "改名"})

    assert response.status_code == 422 and "R13.1" in response.content.decode()
    assert _plan(CHENGDU).name == CHENGDU


def _run_selection_on_the_pages(client, plan_id: int, *, dishonest_operator: bool = False):
    from shuyu.authorization.models import Selection
    from shuyu.orgs.models import Organization

    client.post(
        f"/agency/plans/{plan_id}/selections/", {"method": "negotiation", "title": "医保数据运营机构谈判"}
    )
    s = Selection.objects.get(title="医保数据运营机构谈判")
    client.post(
        f"/agency/selections/{s.pk}/consult/",
        {"parties": "省医保局、省数据局", "consulted_on": str(clock.today()), "comments": "同意"},
    )
    client.post(f"/agency/selections/{s.pk}/open/")
    met = {f"met-{k}": "on" for k in rules.OPERATOR_CONDITION_KEYS} | {"data_security_compliant": "on"}
    for name in ("四川天府数据运营有限公司", "成都蜀信数智科技有限公司"):
        org = Organization.objects.get(name=name)
        client.post(f"/agency/selections/{s.pk}/candidates/", {"operator_org_id": str(org.pk), **met})
    for c, score in zip(s.candidates.order_by("id"), ("91", "83.5"), strict=True):
        client.post(f"/agency/selections/{s.pk}/candidates/{c.pk}/score/", {"score": score})
    winner = s.candidates.order_by("id").first()
    response = client.post(
        f"/agency/selections/{s.pk}/decide/",
        {
            "winner_candidate_id": str(winner.pk),
            "decision_ref": "川数中谈〔2026〕1号",
            "decided_on": str(clock.today()),
        },
        follow=True,
    )
    s.refresh_from_db()
    return s, response


def test_r14_1_agency_runs_a_negotiation_on_the_pages(demo):
    s, response = _run_selection_on_the_pages(_client("agency"), _plan(MEDICAL).plan_id)

    assert "已确定运营机构" in response.content.decode()
    assert s.status == rules.SelectionStatus.DECIDED
    assert s.winner.operator.name == "四川天府数据运营有限公司"
    assert s.candidates.count() == 2 and s.consultations.count() == 1


def test_r14_2_a_candidate_with_a_dishonesty_record_cannot_be_selected(demo):
    from shuyu.orgs import services as orgs
    from shuyu.orgs.models import Organization, Person
    from shuyu.orgs.selectors import actor_for_person

    data_admin = actor_for_person(Person.objects.get(user__username="dataadmin"))
    orgs.record_dishonesty(
        data_admin,
        org_id=Organization.objects.get(name="四川天府数据运营有限公司").pk,
        kind="serious_dishonesty",
        source="信用中国（四川）",
        recorded_on=clock.today(),
    )

    s, response = _run_selection_on_the_pages(_client("agency"), _plan(MEDICAL).plan_id)

    assert response.status_code == 422
    assert "R14.2" in response.content.decode() and "失信" in response.content.decode()
    assert s.status == rules.SelectionStatus.OPEN and s.winner is None


def test_r14_1_score_must_be_a_number(demo):
    s, _ = _run_selection_on_the_pages(_client("agency"), _plan(MEDICAL).plan_id)
    c = s.candidates.first()

    response = _client("agency").post(
        f"/agency/selections/{s.pk}/candidates/{c.pk}/score/", {"score": "很高"}
    )

    assert response.status_code == 422 and "R14.1" in response.content.decode()


AGREEMENT_TEXT = {
    "technical_platform": "省公共数据授权运营平台",
    "asset_ownership": "软硬件归实施机构",
    "disclosure_duties": "每年3月底前披露",
    "accounting_revenue": "单独核算",
    "security_measures": "分类分级、应急处置",
    "evaluation_renewal_exit": "年度评价",
    "liability": "违约赔偿",
    "dispute_resolution": "成都仲裁委员会",
    "change_termination": "书面协议",
    "other_matters": "无",
}


def _agreement_form(client, selection) -> dict:
    from shuyu.web.pages.authorization_forms import agreement_form_initial

    form = dict(agreement_form_initial(selection).lists())
    for i in range(2):
        form[f"product-{i}-technical_standard"] = ["接口规范V1"]
        form[f"product-{i}-security_review"] = ["输出审核"]
        form[f"product-{i}-business_review"] = ["合规审查"]
    return form | {k: [v] for k, v in AGREEMENT_TEXT.items()} | {"no_redevelopment_clause": ["on"]}


def test_r16_1_agency_drafts_the_agreement_on_the_page(demo):
    client = _client("agency")
    s, _ = _run_selection_on_the_pages(client, _plan(MEDICAL).plan_id)
    page = client.get(f"/agency/selections/{s.pk}/agreement/").content.decode()
    assert "四川省公共数据授权运营协议（医疗保障服务）" in page  # prefilled from the plan

    response = client.post(f"/agency/selections/{s.pk}/agreement/", _agreement_form(client, s), follow=True)

    assert "协议草案已拟定" in response.content.decode()
    a = Agreement.objects.get(selection=s)
    assert a.status == rules.AgreementStatus.DRAFT and a.mode == _plan(MEDICAL).mode
    assert sorted(a.resource_ids) == sorted(_plan(MEDICAL).resource_ids)


def test_r16_2_agreement_form_term_over_five_years_is_refused(demo):
    client = _client("agency")
    s, _ = _run_selection_on_the_pages(client, _plan(MEDICAL).plan_id)
    form = _agreement_form(client, s)
    start = clock.today()
    form["starts_on"] = [str(start)]
    form["ends_on"] = [str(rules.add_years(start, 5) + dt.timedelta(days=1))]

    response = client.post(f"/agency/selections/{s.pk}/agreement/", form)

    assert response.status_code == 422 and "R16.2" in response.content.decode()
    assert not Agreement.objects.filter(selection=s).exists()


def test_r16_1_agreement_without_the_no_redevelopment_clause_is_refused(demo):
    client = _client("agency")
    s, _ = _run_selection_on_the_pages(client, _plan(MEDICAL).plan_id)
    form = _agreement_form(client, s)
    del form["no_redevelopment_clause"]

    response = client.post(f"/agency/selections/{s.pk}/agreement/", form)

    assert response.status_code == 422 and "R16.1" in response.content.decode()
    assert not Agreement.objects.filter(selection=s).exists()


def test_r13_2_file_button_is_offered_only_to_the_plans_own_data_administration(demo):
    province = _client("dataadmin").get("/agency/filings/").content.decode()
    city = _client("dataadmin-cd").get("/agency/filings/").content.decode()

    overdue_city_plan = _plan("成都市公共数据授权运营（城市生活服务）").plan_id
    medical = _plan(MEDICAL).plan_id
    assert f"/agency/plans/{overdue_city_plan}/file/" not in province
    assert f"/agency/plans/{medical}/file/" in province
    assert f"/agency/plans/{overdue_city_plan}/file/" in city


def test_r05_4_plan_page_shows_its_priority_fields(demo):
    version = _plan(CHENGDU)

    page = _client("agency-cd").get(f"/agency/plans/{version.plan_id}/").content.decode()

    assert "重点领域" in page and "与民生紧密相关" in page and "行业发展潜力显著" in page
