"""Operator selection through the services: R10.1, R14.1, R14.2, N-SPEC.3."""

import datetime as dt

import pytest

from shuyu import ledger
from shuyu.core import clock
from shuyu.core.errors import DomainError, NotFound
from shuyu.orgs import services as orgs

from .. import rules, selectors, services
from ..models import Selection
from . import factories

ALL_MET = dict.fromkeys(rules.OPERATOR_CONDITION_KEYS, True)


def _open(agency, approved, method="negotiation"):
    s = services.start_selection(
        agency, plan_id=approved.plan_id, method=method, title="金融服务运营机构遴选"
    )
    services.record_consultation(
        agency, selection_id=s.pk, parties="省税务局、人社厅", consulted_on=clock.today(), comments="无异议"
    )
    return services.open_selection(agency, selection_id=s.pk)


def test_r14_1_selection_records_method_candidates_scores_and_winner(agency, approved, operators):
    s = factories.decided_selection(agency, approved, operators)
    assert s.status == "decided" and s.method == "negotiation"
    assert s.winner.operator_id == operators[0].org_id
    assert [c.score for c in s.candidates.order_by("-score")] == [90, 85]
    assert selectors.get_selection_for(agency, s.pk).consultations.count() == 1


def test_r10_1_selection_cannot_start_before_the_plan_is_approved(agency, resources):
    v = services.create_plan(agency, draft=factories.plan_draft([r.pk for r in resources]))
    services.submit_plan(agency, version_id=v.pk)
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.start_selection(agency, plan_id=v.plan_id, method="public_tender", title="t")
    assert err.value.requirement == "R10.1"
    assert not Selection.objects.exists() and ledger.size() == before


def test_r14_1_only_fair_competition_methods(agency, approved):
    with pytest.raises(DomainError) as err:
        services.start_selection(agency, plan_id=approved.plan_id, method="direct_award", title="t")
    assert err.value.requirement == "R14.1"


def test_n_spec_3_selection_opens_only_after_consulting_on_the_agreement_terms(agency, approved):
    s = services.start_selection(agency, plan_id=approved.plan_id, method="public_tender", title="t")
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.open_selection(agency, selection_id=s.pk)
    assert err.value.requirement == "N-SPEC.3" and ledger.size() == before
    services.record_consultation(
        agency, selection_id=s.pk, parties="各方", consulted_on=clock.today(), comments="意见"
    )
    assert services.open_selection(agency, selection_id=s.pk).status == "open"
    with pytest.raises(DomainError):  # not after opening
        services.record_consultation(
            agency, selection_id=s.pk, parties="各方", consulted_on=clock.today(), comments="晚了"
        )


def test_r14_2_candidate_must_be_an_operator_kind_legal_person(agency, approved, tax):
    s = _open(agency, approved)
    with pytest.raises(DomainError) as err:
        services.add_candidate(
            agency,
            selection_id=s.pk,
            operator_org_id=tax.org_id,
            conditions_met=ALL_MET,
            data_security_compliant=True,
        )
    assert err.value.requirement == "R14.2"


def test_r14_2_dishonest_candidate_is_blocked_and_nothing_written(
    agency, approved, operators, province_admin
):
    s = _open(agency, approved)
    cs = []
    for i, op in enumerate(operators):
        c = services.add_candidate(
            agency,
            selection_id=s.pk,
            operator_org_id=op.org_id,
            conditions_met=ALL_MET,
            data_security_compliant=True,
        )
        services.score_candidate(agency, candidate_id=c.pk, score=90 - i)
        cs.append(c)
    orgs.record_dishonesty(
        province_admin,
        org_id=operators[0].org_id,
        kind="serious_dishonesty",
        source="信用中国",
        recorded_on=dt.date(2026, 2, 1),
    )
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.decide_selection(agency, selection_id=s.pk, winner_candidate_id=cs[0].pk, decision_ref="r")
    assert err.value.requirement == "R14.2" and "失信" in err.value.zh
    assert Selection.objects.get(pk=s.pk).status == "open" and ledger.size() == before
    # the next-best eligible candidate may win
    assert (
        services.decide_selection(
            agency, selection_id=s.pk, winner_candidate_id=cs[1].pk, decision_ref="r"
        ).winner_id
        == cs[1].pk
    )


def test_r14_2_candidate_not_meeting_the_plans_conditions_cannot_win(agency, approved, operators):
    s = _open(agency, approved)
    weak = services.add_candidate(
        agency,
        selection_id=s.pk,
        operator_org_id=operators[0].org_id,
        conditions_met=dict(ALL_MET, security=False),
        data_security_compliant=True,
    )
    ok = services.add_candidate(
        agency,
        selection_id=s.pk,
        operator_org_id=operators[1].org_id,
        conditions_met=ALL_MET,
        data_security_compliant=True,
    )
    services.score_candidate(agency, candidate_id=weak.pk, score=99)
    services.score_candidate(agency, candidate_id=ok.pk, score=70)
    with pytest.raises(DomainError) as err:
        services.decide_selection(agency, selection_id=s.pk, winner_candidate_id=weak.pk, decision_ref="r")
    assert err.value.requirement == "R14.2" and "安全能力" in err.value.zh
    services.decide_selection(agency, selection_id=s.pk, winner_candidate_id=ok.pk, decision_ref="r")


def test_r14_1_public_tender_with_two_bidders_fails(agency, approved, operators):
    s = _open(agency, approved, method="public_tender")
    cs = [
        services.add_candidate(
            agency,
            selection_id=s.pk,
            operator_org_id=op.org_id,
            conditions_met=ALL_MET,
            data_security_compliant=True,
        )
        for op in operators
    ]
    for c in cs:
        services.score_candidate(agency, candidate_id=c.pk, score=80)
    with pytest.raises(DomainError) as err:
        services.decide_selection(agency, selection_id=s.pk, winner_candidate_id=cs[0].pk, decision_ref="r")
    assert err.value.requirement == "R14.1" and "3" in err.value.zh
    assert (
        services.fail_selection(agency, selection_id=s.pk, reason="投标人不足三家，流标").status == "failed"
    )


def test_r14_1_score_out_of_range_is_refused(agency, approved, operators):
    s = _open(agency, approved)
    c = services.add_candidate(
        agency,
        selection_id=s.pk,
        operator_org_id=operators[0].org_id,
        conditions_met=ALL_MET,
        data_security_compliant=True,
    )
    with pytest.raises(DomainError):
        services.score_candidate(agency, candidate_id=c.pk, score=101)


def test_r22_1_another_agency_cannot_touch_the_selection(agency, approved, city_agency, operators):
    s = _open(agency, approved)
    with pytest.raises(NotFound):
        services.add_candidate(
            city_agency,
            selection_id=s.pk,
            operator_org_id=operators[0].org_id,
            conditions_met=ALL_MET,
            data_security_compliant=True,
        )
