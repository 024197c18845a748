"""Plans through the services: R05.*, R08.1, R11.1, R12.1, R13.1, R13.2, R22.1, N-SPEC.10."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuyu import ledger
from shuyu.core import clock
from shuyu.core.errors import DomainError, NotFound, PermissionDenied
from shuyu.ledger.services import entries_for

from .. import rules, selectors, services
from ..models import Plan, PlanVersion
from ..rules import FILING_WORKDAYS
from . import factories


def _ids(resources):
    return [r.pk for r in resources]


def test_r11_1_complete_plan_is_created_submitted_and_each_act_writes_one_entry(agency, resources):
    before = ledger.size()
    v = services.create_plan(agency, draft=factories.plan_draft(_ids(resources)))
    assert ledger.size() == before + 1
    services.submit_plan(agency, version_id=v.pk)
    assert ledger.size() == before + 2
    v.refresh_from_db()
    assert v.status == "submitted" and sorted(v.resource_ids) == sorted(_ids(resources))
    assert entries_for("authorization.planversion", v.pk)[-1].action == "authorization.plan.submitted"


def test_r11_1_submission_without_items_is_refused_listing_them_and_nothing_written(agency, resources):
    v = services.create_plan(
        agency,
        draft=factories.plan_draft(
            _ids(resources), schedule="", products=factories.PRODUCTS[:1], other_matters=""
        ),
    )
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.submit_plan(agency, version_id=v.pk)
    assert err.value.requirement == "R11.1"
    assert "（六）" in err.value.zh and "（七）" in err.value.zh and "（十二）" in err.value.zh
    v.refresh_from_db()
    assert v.status == "draft" and ledger.size() == before


def test_r12_1_submission_without_feasibility_parts_is_refused(agency, resources):
    v = services.create_plan(
        agency,
        draft=factories.plan_draft(
            _ids(resources), feasibility=dict(factories.FULL_FEASIBILITY, market_size="")
        ),
    )
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.submit_plan(agency, version_id=v.pk)
    assert err.value.requirement == "R12.1" and "市场规模" in err.value.zh
    assert ledger.size() == before


def test_r11_1_plan_status_lists_missing_items_for_the_form(agency, resources):
    v = services.create_plan(agency, draft=factories.plan_draft(_ids(resources), name="", feasibility={}))
    view = selectors.plan_status(v)
    assert view.missing_items[0].startswith("（一）")
    assert any("风险防控" in m for m in view.missing_items)


@pytest.mark.parametrize(
    ("flags", "requirement"),
    [
        ({"level": ""}, "R05.1"),  # unclassified
        ({"level": "core"}, "R05.1"),  # 核心数据 never enters
        ({"involves_state_secrets": True}, "R05.2"),
        ({"legally_not_open": True}, "R05.2"),
    ],
)
def test_r05_1_r05_2_forbidden_or_unclassified_resource_never_enters_a_plan(agency, tax, flags, requirement):
    bad = factories.resource(tax, **flags)
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.create_plan(agency, draft=factories.plan_draft([bad.pk]))
    assert err.value.requirement == requirement
    assert not Plan.objects.exists() and ledger.size() == before


def test_r05_3_shared_data_needs_the_providers_consent(agency, tax, hrss):
    shared = factories.resource(tax, shared_from_id=hrss.org_id)
    with pytest.raises(DomainError) as err:
        services.create_plan(agency, draft=factories.plan_draft([shared.pk]))
    assert err.value.requirement == "R05.3"
    consented = factories.resource(
        tax, shared_from_id=hrss.org_id, sharing_consent_at=clock.now(), sharing_consent_ref="同意函"
    )
    assert services.create_plan(agency, draft=factories.plan_draft([consented.pk])).pk


def test_r05_1_resource_graded_after_drafting_is_checked_again_at_submission(agency, tax):
    r = factories.resource(tax)
    v = services.create_plan(agency, draft=factories.plan_draft([r.pk]))
    type(r).objects.filter(pk=r.pk).update(grading_level="core")  # regraded by its unit meanwhile
    with pytest.raises(DomainError) as err:
        services.submit_plan(agency, version_id=v.pk)
    assert err.value.requirement == "R05.1"


def test_n_spec_10_plan_records_its_authorizer_type(agency, resources):
    v = services.create_plan(agency, draft=factories.plan_draft(_ids(resources)), authorizer_type="utility")
    assert v.plan.authorizer_type == "utility"
    with pytest.raises(DomainError) as err:
        services.create_plan(agency, draft=factories.plan_draft(_ids(resources)), authorizer_type="company")
    assert err.value.requirement == "N-SPEC.10"


# --- R08.1 ---------------------------------------------------------------------------------------------


def test_r08_1_county_level_agency_cannot_draft_a_plan(make_actor, resources):
    county = make_actor("implementing_agency", "510104", name="锦江区大数据中心")
    with pytest.raises(DomainError) as err:
        services.create_plan(county, draft=factories.plan_draft(_ids(resources)))
    assert err.value.requirement == "R08.1" and "县" in err.value.zh


def test_r08_1_city_agency_needs_its_governments_designation(make_actor, city_gov, province_admin, resources):
    agency = make_actor("implementing_agency", "510100", name="成都市大数据中心")
    with pytest.raises(DomainError) as err:
        services.create_plan(agency, draft=factories.plan_draft(_ids(resources)))
    assert err.value.requirement == "R08.1"
    before = ledger.size()
    d = services.designate_agency(
        city_gov, agency_org_id=agency.org_id, decision_ref="成府函〔2026〕8号", designated_on=clock.today()
    )
    assert ledger.size() == before + 1
    assert (
        services.create_plan(agency, draft=factories.plan_draft(_ids(resources))).plan.region_id == "510100"
    )
    services.file_designation(province_admin, designation_id=d.pk)
    d.refresh_from_db()
    assert d.filed_at is not None


def test_r08_1_province_government_does_not_designate_and_city_admin_does_not_receive_filings(
    make_actor, gov, city_gov, city_admin
):
    agency = make_actor("implementing_agency", "510100")
    with pytest.raises(DomainError) as err:
        services.designate_agency(
            gov, agency_org_id=agency.org_id, decision_ref="x", designated_on=clock.today()
        )
    assert err.value.requirement == "R08.1"
    d = services.designate_agency(
        city_gov, agency_org_id=agency.org_id, decision_ref="x", designated_on=clock.today()
    )
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.file_designation(city_admin, designation_id=d.pk)
    assert err.value.requirement == "R08.1" and ledger.size() == before


# --- R13.1 ---------------------------------------------------------------------------------------------


def test_r13_1_same_level_government_approves_with_three_important_one_large_record(agency, gov, resources):
    v = factories.approved_plan(agency, gov, _ids(resources))
    assert v.status == "approved" and v.approval_meeting and v.approval_decision_ref
    assert v.approved_on == dt.date(2026, 3, 2) and v.approved_by_org_id == gov.org_id


@pytest.mark.parametrize("who", ["city_gov", "province_admin", "agency_colleague"])
def test_r13_1_approval_by_the_wrong_actor_or_region_is_refused(request, who, agency, resources):
    v = services.create_plan(agency, draft=factories.plan_draft(_ids(resources)))
    services.submit_plan(agency, version_id=v.pk)
    actor = request.getfixturevalue(who)
    before = ledger.size()
    with pytest.raises((PermissionDenied, NotFound)) as err:
        services.approve_plan(actor, version_id=v.pk, meeting="m", decision_ref="d", meeting_on=clock.today())
    assert err.value.requirement in {"R13.1", "R22.1"}
    v.refresh_from_db()
    assert v.status == "submitted" and ledger.size() == before


def test_r13_1_province_government_cannot_approve_a_city_plan(city_agency, city_gov, gov, tax):
    v = services.create_plan(city_agency, draft=factories.plan_draft([factories.resource(tax).pk]))
    services.submit_plan(city_agency, version_id=v.pk)
    with pytest.raises(PermissionDenied) as err:
        services.approve_plan(gov, version_id=v.pk, meeting="m", decision_ref="d", meeting_on=clock.today())
    assert err.value.requirement == "R13.1"
    assert (
        services.approve_plan(
            city_gov, version_id=v.pk, meeting="成都市政府常务会", decision_ref="d", meeting_on=clock.today()
        ).status
        == "approved"
    )


def test_r13_1_submitter_may_not_approve(make_actor, agency, resources):
    both = make_actor(
        "implementing_agency", "510000", org_id=agency.org_id, roles=["implementing_agency", "government"]
    )
    v = services.create_plan(agency, draft=factories.plan_draft(_ids(resources)))
    services.submit_plan(both, version_id=v.pk)
    with pytest.raises(PermissionDenied) as err:
        services.approve_plan(both, version_id=v.pk, meeting="m", decision_ref="d", meeting_on=clock.today())
    assert err.value.requirement == "R13.1" and "报审人" in err.value.zh


def test_r13_1_second_approval_of_a_frozen_plan_is_refused(approved, gov):
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.approve_plan(
            gov, version_id=approved.pk, meeting="m", decision_ref="d", meeting_on=clock.today()
        )
    assert err.value.requirement == "R13.1" and "冻结" in err.value.zh
    assert ledger.size() == before


def test_r13_1_frozen_plan_cannot_be_edited(approved, agency, resources):
    with pytest.raises(DomainError) as err:
        services.update_plan(
            agency, version_id=approved.pk, draft=factories.plan_draft(_ids(resources), name="改名")
        )
    assert err.value.requirement == "R13.1"


def test_r13_1_approval_needs_the_meeting_record_and_no_future_date(agency, gov, resources):
    v = services.create_plan(agency, draft=factories.plan_draft(_ids(resources)))
    services.submit_plan(agency, version_id=v.pk)
    with pytest.raises(DomainError):
        services.approve_plan(gov, version_id=v.pk, meeting="", decision_ref="d", meeting_on=clock.today())
    with pytest.raises(DomainError):
        services.approve_plan(
            gov, version_id=v.pk, meeting="m", decision_ref="d", meeting_on=dt.date(2026, 3, 3)
        )
    with pytest.raises(DomainError):  # before it was submitted
        services.approve_plan(
            gov, version_id=v.pk, meeting="m", decision_ref="d", meeting_on=dt.date(2026, 2, 27)
        )


def test_r13_1_minor_change_is_an_amendment_and_major_change_a_new_version(approved, agency, gov, resources):
    before = ledger.size()
    services.amend_plan(
        agency, version_id=approved.pk, field_name="schedule", new_value="2026年三季度完成", reason="进度调整"
    )
    assert ledger.size() == before + 1 and approved.amendments.count() == 1
    with pytest.raises(DomainError) as err:
        services.amend_plan(
            agency, version_id=approved.pk, field_name="term_years", new_value="3", reason="缩短"
        )
    assert err.value.requirement == "R13.1"

    v2 = services.revise_plan(agency, version_id=approved.pk, change_summary="期限由5年调整为3年")
    assert v2.number == 2 and v2.status == "draft"
    services.update_plan(
        agency,
        version_id=v2.pk,
        draft=factories.plan_draft(_ids(resources), term_years=3, change_summary="期限调整"),
    )
    services.submit_plan(agency, version_id=v2.pk)
    services.approve_plan(gov, version_id=v2.pk, meeting="m2", decision_ref="d2", meeting_on=clock.today())
    approved.refresh_from_db()
    assert approved.status == "superseded"
    assert selectors.current_version(approved.plan).pk == v2.pk


def test_r13_1_new_version_without_major_change_is_refused(approved, agency):
    v2 = services.revise_plan(agency, version_id=approved.pk, change_summary="只改进度")
    with pytest.raises(DomainError) as err:
        services.submit_plan(agency, version_id=v2.pk)
    assert err.value.requirement == "R13.1" and "修正" in err.value.zh


def test_r13_1_government_may_return_a_plan_for_rework(agency, gov, resources):
    v = services.create_plan(agency, draft=factories.plan_draft(_ids(resources)))
    services.submit_plan(agency, version_id=v.pk)
    services.return_plan(
        gov, version_id=v.pk, meeting="m", decision_ref="d", meeting_on=clock.today(), reason="收益分配不清"
    )
    services.update_plan(
        agency, version_id=v.pk, draft=factories.plan_draft(_ids(resources), revenue_distribution="按贡献")
    )
    assert services.submit_plan(agency, version_id=v.pk).status == "submitted"


# --- R13.2 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("approved_on", "due_on"),
    [
        (dt.date(2025, 9, 26), dt.date(2025, 10, 16)),  # 国庆中秋 with 调休 on 9-28 and 10-11
        (dt.date(2025, 12, 31), dt.date(2026, 1, 15)),  # 元旦 2026-01-01..03, 调休 on 01-04
    ],
)
def test_r13_2_filing_deadline_counts_working_days_across_holidays(
    agency, gov, resources, approved_on, due_on
):
    with clock.frozen(approved_on):
        v = factories.approved_plan(agency, gov, _ids(resources), meeting_on=approved_on)
    assert v.filing_due_on == due_on


def test_r13_2_filing_on_the_due_date_is_in_time(agency, gov, province_admin, resources):
    with clock.frozen(dt.date(2025, 9, 26)):
        v = factories.approved_plan(agency, gov, _ids(resources))
    with clock.frozen(dt.date(2025, 10, 16)):
        before = ledger.size()
        v = services.file_plan(province_admin, version_id=v.pk)
        assert ledger.size() == before + 1
        assert not selectors.filing_of_version(v).overdue
        assert selectors.deadlines_for(province_admin) == []


def test_r13_2_late_filing_is_accepted_but_flagged_overdue(agency, gov, province_admin, resources):
    with clock.frozen(dt.date(2025, 12, 31)):
        v = factories.approved_plan(agency, gov, _ids(resources))
    with clock.frozen(dt.date(2026, 1, 16)):
        [d] = selectors.deadlines_for(province_admin)
        assert d.kind == "plan_filing" and d.overdue and d.due_on == dt.date(2026, 1, 15)
        v = services.file_plan(province_admin, version_id=v.pk)
    assert v.filed_on == dt.date(2026, 1, 16) and selectors.filing_of_version(v).overdue
    [d] = selectors.deadlines_for(province_admin, include_filed=True)
    assert d.overdue and d.filed_on == dt.date(2026, 1, 16)
    entry = entries_for("authorization.planversion", v.pk)[-1]
    assert '"overdue":true' in entry.payload


def test_r13_2_city_plan_is_filed_by_the_city_data_admin_not_another(
    city_agency, city_gov, city_admin, make_actor, tax
):
    v = factories.approved_plan(city_agency, city_gov, [factories.resource(tax).pk])
    mianyang = make_actor("data_admin", "510700", name="绵阳市数据局")
    with pytest.raises((PermissionDenied, NotFound)):
        services.file_plan(mianyang, version_id=v.pk)
    assert services.file_plan(city_admin, version_id=v.pk).filed_on == clock.today()
    with pytest.raises(DomainError):  # twice
        services.file_plan(city_admin, version_id=v.pk)


def test_r13_2_deadlines_show_pending_filings_with_days_left(approved, province_admin, agency):
    [d] = selectors.deadlines_for(province_admin)
    assert d.due_on == dt.date(2026, 3, 16) and d.days_left == 14 and not d.overdue
    assert selectors.deadlines_for(agency)[0].subject_id == approved.pk


# --- R22.1 visibility ----------------------------------------------------------------------------------


def test_r22_1_plans_are_visible_to_their_agency_and_supervisors_only(
    approved, agency, province_admin, city_admin, operators
):
    assert list(selectors.plans_visible_to(agency)) == [approved.plan]
    assert list(selectors.plans_visible_to(province_admin)) == [approved.plan]
    assert not selectors.plans_visible_to(city_admin).exists()  # a provincial plan is above the city
    assert not selectors.plans_visible_to(operators[0]).exists()
    with pytest.raises(NotFound):
        selectors.get_version_for(operators[0], approved.pk)


def test_r22_1_other_agency_cannot_edit_or_submit(city_agency, agency, resources):
    v = services.create_plan(agency, draft=factories.plan_draft(_ids(resources)))
    before = ledger.size()
    with pytest.raises(NotFound):
        services.submit_plan(city_agency, version_id=v.pk)
    assert ledger.size() == before and PlanVersion.objects.get(pk=v.pk).status == "draft"


def test_n_cal_1_approval_in_a_year_the_calendar_does_not_know_is_refused(agency, gov, resources):
    with clock.frozen(dt.date(2099, 1, 5)):
        v = services.create_plan(agency, draft=factories.plan_draft(_ids(resources)))
        services.submit_plan(agency, version_id=v.pk)
        before = ledger.size()
        with pytest.raises(DomainError) as err:
            services.approve_plan(
                gov, version_id=v.pk, meeting="m", decision_ref="d", meeting_on=clock.today()
            )
    assert err.value.requirement == "N-CAL.1" and "2099" in err.value.zh
    assert PlanVersion.objects.get(pk=v.pk).status == "submitted" and ledger.size() == before


def test_r22_1_every_act_is_attributed_to_a_person_and_an_organization(approved, agency, gov):
    entries = entries_for("authorization.planversion", approved.pk)
    assert [e.action for e in entries] == [
        "authorization.plan.created",
        "authorization.plan.submitted",
        "authorization.plan.approved",
    ]
    assert [(e.actor_person_id, e.actor_org_id) for e in entries] == [
        (agency.person_id, agency.org_id),
        (agency.person_id, agency.org_id),
        (gov.person_id, gov.org_id),
    ]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2026, 11, 30)))
def test_r13_2_filing_due_is_the_tenth_working_day_after_the_event(db, event):
    # the calendar reads administrator-loaded schedules from the database first (N-CAL.1)
    from shuyu.core.calendar import add_workdays, is_workday

    due = add_workdays(event, FILING_WORKDAYS)
    span = (due - event).days
    assert is_workday(due)
    assert sum(is_workday(event + dt.timedelta(days=k)) for k in range(1, span + 1)) == 10
    assert 11 <= span <= 21  # 2025–2026 (checked exhaustively): 调休 Saturdays shorten, 国庆/春节 lengthen


def test_r05_4_plan_is_tagged_with_priority_fields_in_the_rules_wording(agency, resources):
    v = services.create_plan(
        agency,
        draft=factories.plan_draft(_ids(resources), priority_fields=("livelihood", "industrial_strategy")),
    )

    assert rules.priority_field_labels(v.priority_fields) == ["与民生紧密相关", "产业战略意义重大"]


def test_r05_4_unknown_priority_field_is_refused_and_nothing_written(agency, resources):
    before = ledger.size()

    with pytest.raises(DomainError) as err:
        services.create_plan(
            agency, draft=factories.plan_draft(_ids(resources), priority_fields=("tourism",))
        )

    assert err.value.requirement == "R05.4"
    assert not PlanVersion.objects.exists() and ledger.size() == before
