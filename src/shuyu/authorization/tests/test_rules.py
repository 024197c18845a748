"""Pure rules: no database."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuyu.core.errors import DomainError, PermissionDenied

from .. import rules
from .factories import FULL_CONDITIONS, FULL_FEASIBILITY, PRODUCTS


def full_plan(**over) -> rules.PlanFacts:
    values = dict(
        name="方案",
        necessity="必要",
        feasibility=FULL_FEASIBILITY,
        operator_conditions=FULL_CONDITIONS,
        mode="whole",
        resource_ids=(1, 2),
        update_frequency="每日",
        data_quality="良好",
        term_years=5,
        construction="c",
        technical_support="t",
        schedule="s",
        evaluation_standard="e",
        exit_mechanism="x",
        asset_management="a",
        products=PRODUCTS,
        accounting_mechanism="a",
        revenue_distribution="r",
        data_security="d",
        personal_info_protection="p",
        emergency_response="e",
        rights_obligations="r",
        supervision_evaluation="s",
        other_matters="无",
    )
    values.update(over)
    return rules.PlanFacts(**values)


# --- state machines ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("transitions", "statuses"),
    [
        (rules.PLAN_TRANSITIONS, rules.PlanStatus),
        (rules.SELECTION_TRANSITIONS, rules.SelectionStatus),
        (rules.AGREEMENT_TRANSITIONS, rules.AgreementStatus),
    ],
)
def test_every_status_appears_in_its_transitions(transitions, statuses):
    targets = {t for ts in transitions.values() for t in ts}
    assert set(transitions) == set(statuses)
    initial = next(iter(statuses))
    assert set(statuses) - {initial} <= targets  # every status but the first is reachable


def test_r15_1_agreement_statuses_follow_the_lifecycle():
    S = rules.AgreementStatus
    path = [S.DRAFT, S.SIGNED, S.FILED, S.ACTIVE, S.SUSPENDED, S.ACTIVE, S.EXPIRED]
    for a, b in zip(path, path[1:], strict=False):
        rules.check_agreement_transition(a, b)
    for a, b in [(S.DRAFT, S.ACTIVE), (S.SIGNED, S.ACTIVE), (S.EXPIRED, S.ACTIVE), (S.TERMINATED, S.ACTIVE)]:
        with pytest.raises(DomainError) as err:
            rules.check_agreement_transition(a, b)
        assert err.value.requirement == "R15.1"


def test_r13_1_approved_plan_is_frozen():
    with pytest.raises(DomainError) as err:
        rules.check_plan_transition(rules.PlanStatus.APPROVED, rules.PlanStatus.APPROVED)
    assert err.value.requirement == "R13.1"
    assert "冻结" in err.value.zh


# --- R11.1 / R12.1 -------------------------------------------------------------------------------------


def test_r11_1_complete_plan_passes():
    rules.check_plan_submittable(full_plan())
    assert rules.can_submit_plan(full_plan())


def test_r11_1_missing_items_are_all_listed_in_order():
    plan = full_plan(name="", resource_ids=(), products=PRODUCTS[:1], other_matters=" ")
    with pytest.raises(DomainError) as err:
        rules.check_plan_items(plan)
    missing = err.value.context["missing"]
    assert missing[0].startswith("（一）")
    assert missing[1].startswith("（五）")
    assert any("产业发展、行业发展" in m for m in missing)  # (七) second class missing
    assert missing[-1].startswith("（十二）")
    assert err.value.requirement == "R11.1" and "缺少" in err.value.zh


def test_r11_1_operator_conditions_need_all_five_capabilities():
    conditions = dict(FULL_CONDITIONS, security="")
    with pytest.raises(DomainError) as err:
        rules.check_plan_items(full_plan(operator_conditions=conditions))
    assert "安全能力" in err.value.zh


def test_r12_1_feasibility_needs_the_five_parts():
    with pytest.raises(DomainError) as err:
        rules.check_feasibility({"social_demand": "有"})
    assert err.value.requirement == "R12.1"
    assert err.value.context["missing"] == [
        "授权运营数据全生命周期管理服务",
        "市场规模",
        "预期成效",
        "风险防控",
    ]


# --- R09.1 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "scenario", "ok"),
    [
        ("whole", "", True),
        ("domain", "", True),
        ("scenario", "普惠金融信贷审批", True),
        ("scenario", "", False),
        ("scenario", "信贷审批；保险核保", False),
        ("whole", "信贷审批", False),
        ("regional", "", False),
    ],
)
def test_r09_1_mode_truth_table(mode, scenario, ok):
    if ok:
        rules.check_mode(mode, scenario=scenario)
    else:
        with pytest.raises(DomainError) as err:
            rules.check_mode(mode, scenario=scenario)
        assert err.value.requirement == "R09.1"


def test_r09_1_domain_authorization_needs_every_cosignature():
    rules.check_cosignatures(mode="domain", required_org_ids={1, 2}, cosigned_org_ids=[1, 2])
    rules.check_cosignatures(mode="whole", required_org_ids={1, 2}, cosigned_org_ids=[])
    with pytest.raises(DomainError) as err:
        rules.check_cosignatures(mode="domain", required_org_ids={1, 2}, cosigned_org_ids=[1])
    assert err.value.requirement == "R09.1" and err.value.context["missing_orgs"] == [2]


# --- R16.2 term ----------------------------------------------------------------------------------------


def test_r16_2_five_years_is_allowed_and_five_years_and_a_day_is_not():
    rules.check_agreement_term(dt.date(2026, 1, 1), dt.date(2031, 1, 1))
    with pytest.raises(DomainError) as err:
        rules.check_agreement_term(dt.date(2026, 1, 1), dt.date(2031, 1, 2))
    assert err.value.requirement == "R16.2" and "5年" in err.value.zh


def test_r16_2_29_february_maps_to_28_february():
    assert rules.add_years(dt.date(2028, 2, 29), 5) == dt.date(2033, 2, 28)
    rules.check_agreement_term(dt.date(2028, 2, 29), dt.date(2033, 2, 28))
    with pytest.raises(DomainError):
        rules.check_agreement_term(dt.date(2028, 2, 29), dt.date(2033, 3, 1))


@given(start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2200, 1, 1)))
def test_r16_2_five_calendar_years_lie_between_1825_and_1827_days(start):
    rules.check_agreement_term(start, start + dt.timedelta(days=1825))  # never over
    with pytest.raises(DomainError):
        rules.check_agreement_term(start, start + dt.timedelta(days=1828))  # always over


@given(start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2200, 1, 1)), years=st.integers(1, 5))
def test_r16_3_term_never_exceeds_the_plans_years(start, years):
    rules.check_agreement_term(start, rules.add_years(start, years), plan_term_years=years)
    with pytest.raises(DomainError) as err:
        rules.check_agreement_term(
            start, rules.add_years(start, years) + dt.timedelta(days=1), plan_term_years=years
        )
    assert err.value.requirement in {"R16.2", "R16.3"}


def test_r16_2_end_before_start_is_rejected():
    with pytest.raises(DomainError):
        rules.check_agreement_term(dt.date(2026, 1, 1), dt.date(2026, 1, 1))


# --- R16.1 / R16.3 -------------------------------------------------------------------------------------


def test_r16_1_agreement_without_no_redevelopment_clause_is_incomplete():
    facts = rules.AgreementFacts(
        resource_ids=(1,), starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2027, 1, 1)
    )
    missing = rules.missing_agreement_items(facts)
    assert (
        len([m for m in missing if m.startswith("（")]) == 12
    )  # items (三)–(十三) are blank, and the clause
    assert any("再开发" in m for m in missing)


def test_r16_3_scope_must_be_a_subset_of_the_plans():
    rules.check_scope_within_plan([1], [1, 2])
    with pytest.raises(DomainError) as err:
        rules.check_scope_within_plan([1, 3], [1, 2])
    assert err.value.context["outside"] == [3]


def test_r16_3_mode_must_be_the_plans():
    rules.check_mode_matches_plan(
        mode="scenario", scenario="信贷", plan_mode="scenario", plan_scenario="信贷"
    )
    with pytest.raises(DomainError):
        rules.check_mode_matches_plan(mode="whole", scenario="", plan_mode="domain", plan_scenario="")
    with pytest.raises(DomainError):
        rules.check_mode_matches_plan(
            mode="scenario", scenario="保险", plan_mode="scenario", plan_scenario="信贷"
        )


# --- R13.1 / R13.2 -------------------------------------------------------------------------------------


def test_r13_1_major_change_fields():
    before = full_plan()
    assert rules.major_changes(before, full_plan(term_years=3)) == ["term_years"]
    assert rules.major_changes(before, full_plan(resource_ids=(2, 1))) == []
    assert rules.major_changes(before, full_plan(schedule="延后")) == []
    with pytest.raises(DomainError):
        rules.check_minor_amendment("mode")
    rules.check_minor_amendment("schedule")


def test_r13_1_only_same_level_government_approves():
    rules.check_same_level_government(approver_region="510100", plan_region="510100")
    with pytest.raises(PermissionDenied) as err:
        rules.check_same_level_government(approver_region="510000", plan_region="510100")
    assert err.value.requirement == "R13.1"


def test_r13_1_four_eyes():
    with pytest.raises(PermissionDenied):
        rules.check_four_eyes(actor_person_id=7, submitter_person_id=7, requirement="R13.1")
    rules.check_four_eyes(actor_person_id=7, submitter_person_id=8, requirement="R13.1")


def test_r13_2_filing_state_flags_late_and_missing_filings():
    due = dt.date(2025, 10, 16)
    assert not rules.filing_state(due_on=due, filed_on=due, today=due).overdue
    assert rules.filing_state(due_on=due, filed_on=dt.date(2025, 10, 17), today=dt.date(2025, 10, 20)).overdue
    pending = rules.filing_state(due_on=due, filed_on=None, today=dt.date(2025, 10, 14))
    assert not pending.overdue and pending.days_left == 2
    assert rules.filing_state(due_on=due, filed_on=None, today=dt.date(2025, 10, 17)).overdue


@pytest.mark.parametrize(
    ("filer", "plan", "ok"),
    [
        ("510100", "510100", True),
        ("510000", "510000", True),
        ("510000", "510100", False),
        ("510700", "510100", False),
    ],
)
def test_r13_2_the_plans_city_data_admin_files(filer, plan, ok):
    if ok:
        rules.check_plan_filer(filer_region=filer, plan_region=plan)
    else:
        with pytest.raises(PermissionDenied):
            rules.check_plan_filer(filer_region=filer, plan_region=plan)


# --- R08.1 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "designated", "filed", "draft", "sign"),
    [
        ("510000", False, False, True, True),  # 省大数据中心 by 第八条
        ("510100", False, False, False, False),
        ("510100", True, False, True, False),
        ("510100", True, True, True, True),
        ("510104", True, True, False, False),  # county: never on its own
    ],
)
def test_r08_1_graded_authorization_truth_table(region, designated, filed, draft, sign):
    facts = rules.AgencyFacts(1, "implementing_agency", region, designated, filed)
    assert rules._passes(rules.check_agency_may_draft, facts) is draft
    assert rules.can_sign(facts) is sign


def test_r08_1_only_a_city_government_designates_its_own_agency():
    rules.check_designation(
        government_region="510100", agency_region="510100", agency_kind="implementing_agency"
    )
    for gov, agency in [("510000", "510000"), ("510100", "510700"), ("510104", "510104")]:
        with pytest.raises(DomainError) as err:
            rules.check_designation(
                government_region=gov, agency_region=agency, agency_kind="implementing_agency"
            )
        assert err.value.requirement == "R08.1"


# --- R14.* ---------------------------------------------------------------------------------------------


def cand(i, score, *, dishonest=False, kind="operator", met=True):
    return rules.CandidateFacts(
        id=i,
        org_id=100 + i,
        org_kind=kind,
        conditions_met=dict.fromkeys(rules.OPERATOR_CONDITION_KEYS, met),
        data_security_compliant=True,
        dishonest=dishonest,
        score=None if score is None else Decimal(score),
    )


def test_r14_1_winner_is_the_best_scored_eligible_candidate():
    cs = [cand(1, 90), cand(2, 80), cand(3, 95, met=False)]
    rules.check_winner("public_tender", cs, 1)
    with pytest.raises(DomainError) as err:
        rules.check_winner("public_tender", cs, 2)
    assert err.value.requirement == "R14.1"


def test_r14_1_tenders_need_three_candidates_and_all_scored():
    with pytest.raises(DomainError):
        rules.check_winner("public_tender", [cand(1, 90), cand(2, 80)], 1)
    rules.check_winner("negotiation", [cand(1, 90), cand(2, 80)], 1)
    with pytest.raises(DomainError):
        rules.check_winner("negotiation", [cand(1, 90), cand(2, None)], 1)
    with pytest.raises(DomainError):
        rules.check_method("lottery")


def test_r14_2_dishonest_or_unqualified_candidate_cannot_win():
    with pytest.raises(DomainError) as err:
        rules.check_winner("negotiation", [cand(1, 90, dishonest=True), cand(2, 80)], 1)
    assert err.value.requirement == "R14.2" and "失信" in err.value.zh
    with pytest.raises(DomainError) as err:
        rules.check_winner("negotiation", [cand(1, 90, met=False), cand(2, 80)], 1)
    assert "资金" in err.value.zh
    with pytest.raises(DomainError):
        rules.check_operator_kind("data_source_unit")


def test_n_spec_3_selection_opens_only_after_consultation():
    with pytest.raises(DomainError) as err:
        rules.check_consulted(0)
    assert err.value.requirement == "N-SPEC.3"
    rules.check_consulted(1)


# --- R10.1 ---------------------------------------------------------------------------------------------


def test_r10_1_agreement_needs_approved_plan_filed_or_in_deadline_and_a_decided_selection():
    due = dt.date(2026, 3, 16)
    in_time = rules.PlanGate(
        "approved", dt.date(2026, 3, 2), rules.filing_state(due_on=due, filed_on=None, today=due)
    )
    rules.check_plan_ready_for_agreement(in_time)
    late = rules.PlanGate(
        "approved",
        dt.date(2026, 3, 2),
        rules.filing_state(due_on=due, filed_on=None, today=dt.date(2026, 3, 17)),
    )
    with pytest.raises(DomainError) as err:
        rules.check_plan_ready_for_agreement(late)
    assert err.value.requirement == "R10.1"
    with pytest.raises(DomainError):
        rules.check_plan_ready_for_agreement(rules.PlanGate("submitted", None, None))
    with pytest.raises(DomainError):
        rules.check_selection_decided("open", None, 5)
    with pytest.raises(DomainError):
        rules.check_selection_decided("decided", 4, 5)
    rules.check_selection_decided("decided", 5, 5)


# ---- R19.1: fields granted per resource ----------------------------------------------------------------


def test_r19_1_field_grants_normalize_to_sorted_lowercase_pairs():
    assert rules.normalize_field_grants({"7": ["Amount", "district", "amount"], 3: ["x"]}) == (
        (3, ("x",)),
        (7, ("amount", "district")),
    )
    assert rules.normalize_field_grants({}) == ()


@pytest.mark.parametrize("grants", [{"seven": ["a"]}, {7: "amount"}, {7: [1, 2]}])
def test_r19_1_malformed_field_grants_are_refused(grants):
    with pytest.raises(DomainError) as err:
        rules.normalize_field_grants(grants)
    assert err.value.requirement == "R19.1"


@pytest.mark.parametrize(
    ("grants", "reason"),
    [
        (((9, ("amount",)),), "outside the scope"),
        (((7, ()),), "empty"),
        (((7, ("amount", "secret_note")),), "not catalogued"),
    ],
)
def test_r19_1_field_grants_only_catalogued_fields_of_resources_in_scope(grants, reason):
    with pytest.raises(DomainError) as err:
        rules.check_field_grants(grants, [7, 8], {7: {"id_no", "amount"}, 8: {"x"}})
    assert err.value.requirement == "R19.1", reason


def test_r19_1_field_grants_within_the_scope_pass():
    rules.check_field_grants(((7, ("amount", "id_no")),), [7, 8], {7: {"id_no", "amount"}})
