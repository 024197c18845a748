"""Operator selection (第十四条): consultation (N-SPEC.3) → open → candidates, scores → winner (R14.1, R14.2)."""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from shuyu import ledger
from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError, NotFound
from shuyu.core.permissions import Perm, authorize
from shuyu.orgs.models import Organization
from shuyu.orgs.selectors import has_dishonesty_record

from .. import rules, selectors
from ..models import Candidate, Consultation, Selection

S = rules.SelectionStatus


def _lock(actor: Actor, selection_id: int, perm: Perm = Perm.AUTHORIZATION_SELECTION_MANAGE) -> Selection:
    selectors.get_selection_for(actor, selection_id)
    selection = (
        Selection.objects.select_for_update().select_related("plan", "plan_version").get(pk=selection_id)
    )
    authorize(actor, perm, org_id=selection.plan.agency_id)
    return selection


def _candidate_facts(c: Candidate, on: dt.date) -> rules.CandidateFacts:
    return rules.CandidateFacts(
        id=c.pk,
        org_id=c.operator_id,
        org_kind=c.operator.kind,
        conditions_met={k: bool(v) for k, v in (c.conditions_met or {}).items()},
        data_security_compliant=c.data_security_compliant,
        dishonest=has_dishonesty_record(c.operator_id, on=on),  # R14.2
        score=c.score,
    )


@transaction.atomic
def start_selection(actor: Actor, *, plan_id: int, method: str, title: str) -> Selection:
    """实施机构根据审定同意的实施方案选择运营机构 (R10.1, R14.1). Agency role."""
    plan = selectors.get_plan_for(actor, plan_id)
    authorize(actor, Perm.AUTHORIZATION_SELECTION_MANAGE, org_id=plan.agency_id)
    rules.check_method(method)
    version = selectors.current_version(plan)
    if version is None:
        rules.check_plan_ready_for_selection(selectors.gate_of_version(selectors.latest_version(plan)))
    rules.check_plan_ready_for_selection(selectors.gate_of_version(version))  # R10.1
    if not (title or "").strip():
        raise DomainError("R14.1", "须填写项目名称", "a title is required")
    selection = Selection.objects.create(
        plan=plan,
        plan_version=version,
        title=title.strip(),
        method=method,
        created_at=clock.now(),
        created_by_person_id=actor.person_id,
    )
    ledger.append(
        actor,
        "authorization.selection.started",
        selection,
        {"plan": plan.pk, "plan_version": version.number, "method": method, "title": selection.title},
    )
    return selection


@transaction.atomic
def record_consultation(
    actor: Actor, *, selection_id: int, parties: str, consulted_on: dt.date, comments: str, response: str = ""
) -> Consultation:
    """征求各方对协议内容的意见 before the selection opens (N-SPEC.3). Agency role."""
    selection = _lock(actor, selection_id)
    if selection.status != S.PREPARING:
        raise DomainError(
            "N-SPEC.3", "征求意见应在发布招标、谈判文件之前进行", "consult before the selection opens"
        )
    if not (parties or "").strip() or not (comments or "").strip():
        raise DomainError(
            "N-SPEC.3", "须记录征求意见对象和收到的意见", "record whom you consulted and their comments"
        )
    if consulted_on > clock.today():
        raise DomainError(
            "N-SPEC.3", "征求意见日期不能晚于今天", "the consultation date cannot be in the future"
        )
    c = Consultation.objects.create(
        selection=selection,
        parties=parties.strip(),
        consulted_on=consulted_on,
        comments=comments.strip(),
        response=(response or "").strip(),
        recorded_at=clock.now(),
        recorded_by_person_id=actor.person_id,
    )
    ledger.append(
        actor,
        "authorization.selection.consulted",
        c,
        {"selection": selection.pk, "parties": c.parties, "consulted_on": consulted_on},
    )
    return c


@transaction.atomic
def open_selection(actor: Actor, *, selection_id: int) -> Selection:
    """发布招标/谈判文件 after the consultation (N-SPEC.3). Agency role."""
    selection = _lock(actor, selection_id)
    rules.check_selection_transition(selection.status, S.OPEN)
    rules.check_consulted(selection.consultations.count())
    selection.status = S.OPEN
    selection.opened_at = clock.now()
    selection.save(update_fields=["status", "opened_at"])
    ledger.append(actor, "authorization.selection.opened", selection, {"plan": selection.plan_id})
    return selection


@transaction.atomic
def add_candidate(
    actor: Actor,
    *,
    selection_id: int,
    operator_org_id: int,
    conditions_met: dict[str, bool],
    data_security_compliant: bool,
    evidence: str = "",
) -> Candidate:
    """登记候选运营机构 and its assessment against the plan's conditions (R14.2). Agency role."""
    selection = _lock(actor, selection_id)
    if selection.status != S.OPEN:
        raise DomainError("R14.1", "遴选未发布或已结束，不能登记候选单位", "the selection is not open")
    operator = Organization.objects.filter(pk=operator_org_id).first()
    if operator is None:
        raise NotFound("organization", org_id=operator_org_id)
    rules.check_operator_kind(operator.kind)  # R14.2
    if selection.candidates.filter(operator=operator).exists():
        raise DomainError("R14.1", "该单位已是候选单位", "already a candidate")
    unknown = set(conditions_met) - set(rules.OPERATOR_CONDITION_KEYS)
    if unknown:
        raise DomainError("R14.2", "未知的选择条件", "unknown condition keys", keys=sorted(unknown))
    c = Candidate.objects.create(
        selection=selection,
        operator=operator,
        conditions_met={k: bool(conditions_met.get(k)) for k in rules.OPERATOR_CONDITION_KEYS},
        data_security_compliant=bool(data_security_compliant),
        evidence=(evidence or "").strip(),
        added_at=clock.now(),
    )
    ledger.append(
        actor,
        "authorization.candidate.added",
        c,
        {
            "selection": selection.pk,
            "operator": operator.pk,
            "uscc": operator.uscc,
            "conditions_met": c.conditions_met,
            "data_security_compliant": c.data_security_compliant,
        },
    )
    return c


@transaction.atomic
def score_candidate(actor: Actor, *, candidate_id: int, score: Decimal, notes: str = "") -> Candidate:
    """Record a candidate's evaluation score, 0–100 (R14.1). Agency role."""
    c = Candidate.objects.filter(pk=candidate_id).select_related("selection").first()
    if c is None:
        raise NotFound("candidate", candidate_id=candidate_id)
    try:
        selection = _lock(actor, c.selection_id)
    except NotFound:  # another agency's candidate answers like a missing one (R22.1)
        raise NotFound("candidate", candidate_id=candidate_id) from None
    if selection.status != S.OPEN:
        raise DomainError("R14.1", "遴选未发布或已结束，不能评分", "the selection is not open")
    score = Decimal(str(score))
    rules.check_score(score)
    c.score = score
    c.score_notes = (notes or "").strip()
    c.save(update_fields=["score", "score_notes"])
    ledger.append(actor, "authorization.candidate.scored", c, {"selection": selection.pk, "score": score})
    return c


@transaction.atomic
def decide_selection(
    actor: Actor,
    *,
    selection_id: int,
    winner_candidate_id: int,
    decision_ref: str,
    decided_on: dt.date | None = None,
) -> Selection:
    """确定运营机构: the best-scored eligible candidate; a 失信 record blocks (R14.1, R14.2). Agency."""
    selection = _lock(actor, selection_id, Perm.AUTHORIZATION_SELECTION_DECIDE)
    rules.check_selection_transition(selection.status, S.DECIDED)
    decided_on = decided_on or clock.today()
    if decided_on > clock.today():
        raise DomainError("R14.1", "确定日期不能晚于今天", "the decision date cannot be in the future")
    if not (decision_ref or "").strip():
        raise DomainError("R14.1", "须记录遴选结果文件", "record the selection result document")
    if selection.plan_version.status != rules.PlanStatus.APPROVED:
        raise DomainError(
            "R10.1", "依据的实施方案版本已被取代，须重新组织遴选", "the plan version was superseded"
        )
    candidates = list(selection.candidates.select_related("operator"))
    facts = [_candidate_facts(c, decided_on) for c in candidates]
    rules.check_winner(selection.method, facts, winner_candidate_id)
    winner = next(c for c in candidates if c.pk == winner_candidate_id)
    selection.status = S.DECIDED
    selection.winner = winner
    selection.decided_on = decided_on
    selection.decision_ref = decision_ref.strip()
    selection.decided_at = clock.now()
    selection.decided_by_person_id = actor.person_id
    selection.save()
    ledger.append(
        actor,
        "authorization.selection.decided",
        selection,
        {
            "plan": selection.plan_id,
            "method": selection.method,
            "winner": winner.operator_id,
            "scores": {str(c.operator_id): c.score for c in candidates},
            "decision_ref": selection.decision_ref,
            "decided_on": decided_on,
        },
    )
    return selection


@transaction.atomic
def fail_selection(actor: Actor, *, selection_id: int, reason: str) -> Selection:
    """流标或终止遴选 (R14.1). Agency role."""
    selection = _lock(actor, selection_id)
    rules.check_selection_transition(selection.status, S.FAILED)
    rules.check_reason(reason, "R14.1")
    selection.status = S.FAILED
    selection.failure_reason = reason.strip()
    selection.save(update_fields=["status", "failure_reason"])
    ledger.append(actor, "authorization.selection.failed", selection, {"reason": selection.failure_reason})
    return selection
