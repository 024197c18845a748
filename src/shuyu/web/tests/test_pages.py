"""The pages in a real headless Chromium, on the demo scenario. Each test leaves a screenshot in
test-artifacts/screenshots/<test-name>.png."""

import pytest

from shuyu import ledger
from shuyu.authorization.models import PlanVersion

pytestmark = pytest.mark.browser


def test_r24_1_home_lists_the_demo_active_authorization(page, demo):
    page.goto("/")

    table = page.inner_text("#authorizations")
    assert "四川天府数据运营有限公司" in table
    assert "成都市大数据中心" in table
    assert "整体授权" in table
    assert "2025-12-01 至 2028-11-30" in table
    assert "成都蜀信数智科技有限公司" not in table  # the losing candidate is not authorized


def test_login_form_refuses_a_wrong_password(page, demo):
    page.goto("/login/")
    page.fill("#id_username", "agency")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")

    assert "用户名或密码错误" in page.inner_text("main")


def test_r13_2_agency_sees_its_plans_and_filing_deadlines(page, demo, demo_login):
    demo_login("agency")

    assert page.url.endswith("/agency/")
    assert "四川省公共数据授权运营（医疗保障服务）" in page.inner_text("#plans")
    deadlines = page.inner_text("#deadlines")
    assert "实施方案备案" in deadlines and "待备案" in deadlines
    nav = page.inner_text("header nav")
    assert "工作台" in nav and "方案审批" not in nav  # only what the role may do


def test_r13_2_an_overdue_filing_is_flagged_on_the_city_workspace(page, demo, demo_login):
    demo_login("agency-cd")

    deadlines = page.inner_text("#deadlines")
    assert "成都市公共数据授权运营（城市生活服务）" in deadlines
    assert "已逾期" in deadlines
    assert page.inner_text(".stat.bad .n") == "1"


def test_r13_2_city_plan_shows_its_approval_and_filing_dates(page, demo, demo_login):
    demo_login("agency-cd")
    page.click("text=成都市公共数据授权运营（普惠金融）")

    approval = page.inner_text("#approval")
    assert "2025-09-26" in approval  # approved at the 三重一大 meeting
    assert "2025-10-16" in approval  # due 10 working days later, across National Day
    assert "2025-10-15" in approval  # filed in time
    assert "成都市数据局" in approval


def test_r11_1_plan_form_saves_a_draft_and_refuses_submission_with_missing_items(page, demo, demo_login):
    demo_login("agency")
    page.goto("/agency/plans/new/")
    page.fill("#name", "四川省公共数据授权运营（交通出行）")
    page.fill("#necessity", "服务群众出行")
    page.click("#plan-form button[type=submit]")
    assert "实施方案草稿已保存" in page.inner_text("main")

    page.click("text=报本级人民政府审议")

    refusal = page.inner_text("[role=alert]")
    assert "R11.1" in refusal and "第十一条" in refusal
    assert "（三）运营机构的选择条件" in refusal
    assert "the plan lacks" in refusal
    assert PlanVersion.objects.get(name="四川省公共数据授权运营（交通出行）").status == "draft"


def test_r13_1_government_approves_a_submitted_plan(page, demo, demo_login):
    before = ledger.size()
    demo_login("gov")
    assert page.url.endswith("/agency/approvals/")
    page.click("text=四川省公共数据授权运营（市场主体服务）")
    page.click("text=审议（三重一大）")
    page.fill("#meeting", "四川省人民政府第88次常务会议")
    page.fill("#decision_ref", "川府常〔2026〕88号纪要")
    page.fill("#meeting_on", page.get_attribute("#meeting_on", "max"))
    page.click("text=提交决定")

    assert "已记录审议通过" in page.inner_text("main")
    assert "已审议通过" in page.inner_text("main")
    assert "川府常〔2026〕88号纪要" in page.inner_text("#approval")
    assert ledger.size() == before + 1


def test_r13_1_approval_without_a_meeting_record_is_refused_on_the_form(page, demo, demo_login):
    demo_login("gov")
    page.click("text=四川省公共数据授权运营（市场主体服务）")
    page.click("text=审议（三重一大）")
    page.fill("#meeting_on", page.get_attribute("#meeting_on", "max"))
    page.click("text=提交决定")

    refusal = page.inner_text("[role=alert]")
    assert "R13.1" in refusal and "三重一大" in refusal
    assert PlanVersion.objects.get(name="四川省公共数据授权运营（市场主体服务）").status == "submitted"


def test_r13_2_data_admin_files_an_approved_plan(page, demo, demo_login):
    demo_login("dataadmin")
    assert page.url.endswith("/agency/filings/")
    page.click("text=四川省公共数据授权运营（医疗保障服务）")
    page.click("text=办理备案")

    assert "实施方案已备案" in page.inner_text("main")
    assert "已备案" in page.inner_text("main")
    v = PlanVersion.objects.get(name="四川省公共数据授权运营（医疗保障服务）")
    assert v.filed_on is not None


def test_agreement_page_shows_the_13_items_and_filing(page, demo, demo_login):
    demo_login("agency-cd")
    page.goto("/agency/agreements/")
    page.click("text=成都市公共数据授权运营协议（普惠金融）")

    items = page.inner_text("#items")
    assert "（十三）需要明确的其他事项" in items
    assert "成都仲裁委员会" in items
    assert "2025-11-20" in page.inner_text("#signing")


def test_r15_1_agency_signs_an_agreement_after_its_collective_review(page, demo, demo_login):
    from shuyu.web.tests.test_views import _draft_agreement_on_the_medical_plan

    agreement = _draft_agreement_on_the_medical_plan(demo)
    demo_login("agency")
    page.goto(f"/agency/agreements/{agreement.pk}/")
    page.fill("#review_meeting", "中心党委会2026年第12次会议")
    page.fill("#review_decision_ref", "川数中党〔2026〕12号")
    page.fill("#reviewed_on", page.get_attribute("#reviewed_on", "max"))
    page.click("text=签订协议 Sign")

    assert "协议已签订" in page.inner_text("main")
    signing = page.inner_text("#signing")
    assert "川数中党〔2026〕12号" in signing
    assert "报同级数据管理部门备案" in page.inner_text("main")  # next: filing within 10 working days
