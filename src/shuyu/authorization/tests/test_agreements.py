"""Agreements through the services: R05.*, R08.1, R09.1, R10.1, R15.1, R16.1–R16.3, public portal."""

import datetime as dt
import json

import pytest

from shuyu import ledger
from shuyu.catalog.models import DataResource
from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError, NotFound, PermissionDenied

from .. import rules, selectors, services
from ..models import Agreement
from . import factories


def _sign(agency, a, **over):
    values = dict(
        review_meeting="中心主任办公会", review_decision_ref="纪要〔2026〕3号", reviewed_on=clock.today()
    )
    values.update(over)
    return services.sign_agreement(agency, agreement_id=a.pk, **values)


def test_r15_1_full_lifecycle_each_act_writes_exactly_one_entry(
    agency, approved, selection, province_admin, operators
):
    before = ledger.size()
    a = services.create_agreement(
        agency, selection_id=selection.pk, draft=factories.agreement_draft(approved)
    )
    assert a.status == "draft" and ledger.size() == before + 1
    a = _sign(agency, a)
    assert a.status == "signed" and a.filing_due_on == dt.date(2026, 3, 16) and ledger.size() == before + 2
    a = services.file_agreement(agency, agreement_id=a.pk)
    assert a.status == "filed" and not selectors.filing_of_agreement(a).overdue
    a = services.activate_agreement(agency, agreement_id=a.pk)
    # Coming into force also starts each resource's N-REG.9 registration clock: one entry per resource.
    in_scope = DataResource.objects.filter(pk__in=a.resource_ids)
    assert in_scope and all(r.first_provided_on == clock.today() for r in in_scope)
    provisions = len(a.resource_ids)
    a = services.suspend_agreement(province_admin, agreement_id=a.pk, reason="责令整改（第二十九条）")
    assert a.status == "suspended"
    a = services.resume_agreement(agency, agreement_id=a.pk, reason="整改完成")
    assert a.status == "active" and ledger.size() == before + 6 + provisions
    assert [p.operator_name for p in selectors.public_authorizations()] == ["四川数据运营有限公司"]
    assert selectors.get_agreement_for(operators[0], a.pk) == a
    with pytest.raises(NotFound):
        selectors.get_agreement_for(operators[1], a.pk)


def test_r16_1_agreement_missing_items_or_the_no_redevelopment_clause_is_refused(agency, approved, selection):
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.create_agreement(
            agency,
            selection_id=selection.pk,
            draft=factories.agreement_draft(approved, dispute_resolution="", no_redevelopment_clause=False),
        )
    assert err.value.requirement == "R16.1"
    assert "（十一）" in err.value.zh and "再开发" in err.value.zh
    assert not Agreement.objects.exists() and ledger.size() == before


def test_r16_2_term_of_five_years_and_one_day_is_refused(agency, approved, selection):
    start = dt.date(2026, 4, 1)
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.create_agreement(
            agency,
            selection_id=selection.pk,
            draft=factories.agreement_draft(approved, starts_on=start, ends_on=dt.date(2031, 4, 2)),
        )
    assert err.value.requirement == "R16.2" and ledger.size() == before
    a = services.create_agreement(
        agency,
        selection_id=selection.pk,
        draft=factories.agreement_draft(approved, starts_on=start, ends_on=dt.date(2031, 4, 1)),
    )
    assert a.ends_on == dt.date(2031, 4, 1)


def test_r16_3_scope_outside_the_plan_is_rejected_and_nothing_written(agency, approved, selection, tax):
    stranger = factories.resource(tax, name="不动产登记")
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.create_agreement(
            agency,
            selection_id=selection.pk,
            draft=factories.agreement_draft(approved, resource_ids=(*approved.resource_ids, stranger.pk)),
        )
    assert err.value.requirement == "R16.3"
    assert not Agreement.objects.exists() and ledger.size() == before


def test_r16_3_agreement_mode_other_than_the_plans_is_refused(agency, approved, selection):
    with pytest.raises(DomainError) as err:
        services.create_agreement(
            agency, selection_id=selection.pk, draft=factories.agreement_draft(approved, mode="domain")
        )
    assert err.value.requirement == "R16.3"


def test_r16_3_subset_of_the_plan_scope_is_fine(agency, approved, selection):
    a = services.create_agreement(
        agency,
        selection_id=selection.pk,
        draft=factories.agreement_draft(approved, resource_ids=approved.resource_ids[:1]),
    )
    assert len(a.resource_ids) == 1


def test_r05_2_resource_made_forbidden_after_planning_blocks_signing(agency, approved, selection, resources):
    a = services.create_agreement(
        agency, selection_id=selection.pk, draft=factories.agreement_draft(approved)
    )
    type(resources[0]).objects.filter(pk=resources[0].pk).update(legally_not_open=True)
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        _sign(agency, a)
    assert err.value.requirement == "R05.2" and ledger.size() == before
    assert Agreement.objects.get(pk=a.pk).status == "draft"


def test_r10_1_signing_before_selection_is_refused(agency, approved, operators):
    s = services.start_selection(agency, plan_id=approved.plan_id, method="negotiation", title="t")
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.create_agreement(agency, selection_id=s.pk, draft=factories.agreement_draft(approved))
    assert err.value.requirement == "R10.1" and ledger.size() == before


def test_r10_1_plan_overdue_for_filing_blocks_the_agreement(agency, approved, selection, province_admin):
    with clock.frozen(dt.date(2026, 3, 17)):  # due 2026-03-16, not filed
        with pytest.raises(DomainError) as err:
            services.create_agreement(
                agency, selection_id=selection.pk, draft=factories.agreement_draft(approved)
            )
        assert err.value.requirement == "R10.1" and "逾期未备案" in err.value.zh
        services.file_plan(province_admin, version_id=approved.pk)  # late, flagged, but filed
        a = services.create_agreement(
            agency, selection_id=selection.pk, draft=factories.agreement_draft(approved)
        )
    assert a.status == "draft"


def test_r10_1_selection_under_a_superseded_version_cannot_lead_to_an_agreement(
    agency, gov, approved, selection, resources
):
    v2 = services.revise_plan(agency, version_id=approved.pk, change_summary="期限调整")
    services.update_plan(
        agency,
        version_id=v2.pk,
        draft=factories.plan_draft([r.pk for r in resources], term_years=3, change_summary="期限调整"),
    )
    services.submit_plan(agency, version_id=v2.pk)
    services.approve_plan(gov, version_id=v2.pk, meeting="m", decision_ref="d", meeting_on=clock.today())
    with pytest.raises(DomainError) as err:
        services.create_agreement(
            agency, selection_id=selection.pk, draft=factories.agreement_draft(approved)
        )
    assert err.value.requirement == "R10.1"


def test_r15_1_signing_needs_the_agencys_collective_decision(agency, approved, selection):
    a = services.create_agreement(
        agency, selection_id=selection.pk, draft=factories.agreement_draft(approved)
    )
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        _sign(agency, a, review_meeting="")
    assert err.value.requirement == "R15.1"
    with pytest.raises(DomainError):  # signed before the review
        _sign(agency, a, reviewed_on=clock.today(), signed_on=dt.date(2026, 2, 27))
    assert ledger.size() == before and Agreement.objects.get(pk=a.pk).status == "draft"


@pytest.mark.parametrize(
    ("signed_on", "due_on"),
    [(dt.date(2025, 9, 26), dt.date(2025, 10, 16)), (dt.date(2025, 12, 31), dt.date(2026, 1, 15))],
)
def test_r15_1_filing_deadline_counts_working_days_across_holidays(
    agency, gov, resources, operators, signed_on, due_on
):
    with clock.frozen(signed_on):
        v = factories.approved_plan(agency, gov, [r.pk for r in resources])
        s = factories.decided_selection(agency, v, operators)
        a = factories.signed_agreement(agency, v, s)
    assert a.filing_due_on == due_on


def test_r15_1_late_agreement_filing_is_accepted_and_flagged(
    agency, gov, resources, operators, province_admin
):
    with clock.frozen(dt.date(2025, 9, 26)):
        v = factories.approved_plan(agency, gov, [r.pk for r in resources])
        services.file_plan(province_admin, version_id=v.pk)
        s = factories.decided_selection(agency, v, operators)
        a = factories.signed_agreement(agency, v, s, starts_on=dt.date(2025, 10, 1))
    with clock.frozen(dt.date(2025, 10, 17)):
        [d] = selectors.deadlines_for(province_admin)
        assert d.kind == "agreement_filing" and d.overdue
        a = services.file_agreement(agency, agreement_id=a.pk)
    assert a.status == "filed" and selectors.filing_of_agreement(a).overdue


def test_r15_1_illegal_transitions_are_refused(agency, approved, selection):
    a = services.create_agreement(
        agency, selection_id=selection.pk, draft=factories.agreement_draft(approved)
    )
    for act in (services.file_agreement, services.activate_agreement):
        with pytest.raises(DomainError) as err:
            act(agency, agreement_id=a.pk)
        assert err.value.requirement == "R15.1"
    with pytest.raises(DomainError):
        services.suspend_agreement(agency, agreement_id=a.pk, reason="x")


def test_r15_1_activation_waits_for_the_start_date_and_expiry_sweeps(agency, approved, selection):
    a = factories.signed_agreement(agency, approved, selection, starts_on=dt.date(2026, 4, 1))
    services.file_agreement(agency, agreement_id=a.pk)
    with pytest.raises(DomainError):
        services.activate_agreement(agency, agreement_id=a.pk)
    with clock.frozen(dt.date(2026, 4, 1)):
        services.activate_agreement(agency, agreement_id=a.pk)
    sweeper = Actor.system("deadline-sweeper")
    with clock.frozen(dt.date(2029, 4, 1)):
        assert services.expire_agreements(sweeper) == []
    with clock.frozen(dt.date(2029, 4, 2)):
        before = ledger.size()
        assert services.expire_agreements(sweeper) == [a.pk]
        assert ledger.size() == before + 1
    assert Agreement.objects.get(pk=a.pk).status == "expired"
    assert selectors.public_authorizations() == []


def test_r15_1_only_the_signing_agency_files(agency, agency_colleague, approved, selection, province_admin):
    a = factories.signed_agreement(agency, approved, selection)
    with pytest.raises(PermissionDenied):
        services.file_agreement(province_admin, agreement_id=a.pk)
    assert services.file_agreement(agency_colleague, agreement_id=a.pk).status == "filed"


def test_r08_1_city_agency_signs_only_after_its_designation_is_filed(
    make_actor, city_gov, province_admin, tax, operators
):
    agency = make_actor("implementing_agency", "510100", name="成都市大数据中心")
    d = services.designate_agency(
        city_gov, agency_org_id=agency.org_id, decision_ref="成府函", designated_on=clock.today()
    )
    v = factories.approved_plan(agency, city_gov, [factories.resource(tax).pk])
    s = factories.decided_selection(agency, v, operators)
    a = services.create_agreement(agency, selection_id=s.pk, draft=factories.agreement_draft(v))
    with pytest.raises(DomainError) as err:
        _sign(agency, a)
    assert err.value.requirement == "R08.1" and "备案" in err.value.zh
    services.file_designation(province_admin, designation_id=d.pk)
    assert _sign(agency, a).status == "signed"


def test_r09_1_domain_authorization_needs_the_data_source_units_cosignature(
    agency, gov, tax, hrss, resources, operators
):
    v = factories.approved_plan(agency, gov, [r.pk for r in resources], mode="domain")
    s = factories.decided_selection(agency, v, operators)
    a = services.create_agreement(agency, selection_id=s.pk, draft=factories.agreement_draft(v))
    services.cosign_agreement(tax, agreement_id=a.pk)
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        _sign(agency, a)
    assert err.value.requirement == "R09.1" and ledger.size() == before
    services.cosign_agreement(hrss, agreement_id=a.pk)
    assert _sign(agency, a).status == "signed"


def test_r09_1_scenario_authorization_names_exactly_one_scenario(agency, resources):
    with pytest.raises(DomainError) as err:
        services.submit_plan(
            agency,
            version_id=services.create_plan(
                agency,
                draft=factories.plan_draft([r.pk for r in resources], mode="scenario", scenario="信贷；保险"),
            ).pk,
        )
    assert err.value.requirement == "R09.1"


def test_r09_1_scenario_agreement_carries_the_plans_scenario(agency, gov, resources, operators):
    v = factories.approved_plan(
        agency, gov, [r.pk for r in resources], mode="scenario", scenario="普惠金融信贷审批"
    )
    s = factories.decided_selection(agency, v, operators)
    a = factories.signed_agreement(agency, v, s)
    assert a.scenario == "普惠金融信贷审批" and a.mode == rules.Mode.SCENARIO


def test_r24_1_public_authorizations_show_nothing_confidential(agency, approved, selection):
    a = factories.signed_agreement(agency, approved, selection)
    services.file_agreement(agency, agreement_id=a.pk)
    services.activate_agreement(agency, agreement_id=a.pk)
    [p] = selectors.public_authorizations()
    assert p.resource_names == ["纳税信用等级", "社保缴纳记录"] and p.mode_label == "整体授权"
    public_fields = set(p.__dataclass_fields__)
    assert not public_fields & {
        "review_decision_ref",
        "review_meeting",
        "score",
        "products",
        "accounting_revenue",
    }


def test_r13_2_the_deadline_sweeper_sees_every_overdue_filing(
    agency, approved, selection, city_agency, operators
):
    a = factories.signed_agreement(agency, approved, selection)
    sweeper = Actor.system("deadline-sweeper")
    with clock.frozen(dt.date(2026, 3, 17)):
        overdue = [(d.kind, d.subject_id) for d in selectors.deadlines_for(sweeper) if d.overdue]
        assert ("plan_filing", approved.pk) in overdue and ("agreement_filing", a.pk) in overdue
        # the operator sees its own agreement's filing, never the plan's
        assert [d.kind for d in selectors.deadlines_for(operators[0])] == ["agreement_filing"]


def _fields(resource, *names):
    from shuyu.catalog.models import ResourceField

    for i, name in enumerate(names):
        ResourceField.objects.create(resource=resource, name=name, label=name, position=i)


def test_r19_1_agreement_grants_fields_per_resource_and_records_them(agency, approved, selection, resources):
    _fields(resources[0], "uscc", "rating", "year")
    a = services.create_agreement(
        agency,
        selection_id=selection.pk,
        draft=factories.agreement_draft(approved, field_grants=((resources[0].pk, ("rating", "uscc")),)),
    )
    assert a.field_grants == {resources[0].pk: ["rating", "uscc"]}  # the other resource: every field
    from shuyu.ledger.models import LedgerEntry

    entry = LedgerEntry.objects.filter(action="authorization.agreement.created").latest("seq")
    assert json.loads(entry.payload)["field_grants"] == {str(resources[0].pk): ["rating", "uscc"]}


@pytest.mark.parametrize("which", ["unknown_field", "outside_scope"])
def test_r19_1_bad_field_grant_is_refused_and_nothing_written(
    agency, approved, selection, resources, tax, which
):
    _fields(resources[0], "uscc", "rating")
    grants = ((resources[0].pk, ("rating", "secret_note")),)
    if which == "outside_scope":
        grants = ((factories.resource(tax).pk, ("rating",)),)
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.create_agreement(
            agency, selection_id=selection.pk, draft=factories.agreement_draft(approved, field_grants=grants)
        )
    assert err.value.requirement == "R19.1"
    assert not Agreement.objects.exists() and ledger.size() == before
