"""Agreements (授权运营协议): draft → signed → filed → active ↔ suspended → expired/terminated.

Order plan → selection → agreement (R10.1); 13 items (R16.1, N-SPEC.1); ≤ 5 years (R16.2); scope and mode
within the plan (R16.3); mode rules (R09.1); signing after the agency's 三重一大 review and filing within
10 working days (R15.1)."""

import datetime as dt

from django.db import transaction

from shuyu import ledger
from shuyu.catalog import services as catalog_services
from shuyu.catalog.models import ResourceField
from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.calendar import add_workdays
from shuyu.core.errors import DomainError, NotFound
from shuyu.core.permissions import Perm, authorize

from .. import rules, selectors
from ..models import Agreement, AgreementResource, Cosignature, Selection
from ._common import (
    AGREEMENT_TEXT_FIELDS,
    AgreementDraft,
    authorize_owner_or_admin,
    check_resources,
    products_json,
    products_of,
)

S = rules.AgreementStatus


def _lock(actor: Actor, agreement_id: int) -> Agreement:
    selectors.get_agreement_for(actor, agreement_id)
    return (
        Agreement.objects.select_for_update()
        .select_related("plan_version", "selection", "agency", "operator")
        .get(pk=agreement_id)
    )


def _facts(a: Agreement) -> rules.AgreementFacts:
    return rules.AgreementFacts(
        resource_ids=tuple(sorted(a.resource_ids)),
        starts_on=a.starts_on,
        ends_on=a.ends_on,
        products=products_of(a.products),
        no_redevelopment_clause=a.no_redevelopment_clause,
        mode=a.mode,
        scenario=a.scenario,
        **{f: getattr(a, f) for f in AGREEMENT_TEXT_FIELDS},
    )


def _check_content(facts: rules.AgreementFacts, plan_version) -> None:
    """Every content rule, for drafting and again at signing."""
    rules.check_agreement_items(facts)  # R16.1, N-SPEC.1
    rules.check_products(facts.products)
    rules.check_agreement_term(
        facts.starts_on, facts.ends_on, plan_term_years=plan_version.term_years
    )  # R16.2
    rules.check_mode(facts.mode, scenario=facts.scenario)  # R09.1
    rules.check_mode_matches_plan(
        mode=facts.mode,
        scenario=facts.scenario,
        plan_mode=plan_version.mode,
        plan_scenario=plan_version.scenario,
    )  # R16.3
    rules.check_scope_within_plan(facts.resource_ids, plan_version.resource_ids)  # R16.3
    check_resources(facts.resource_ids)  # R05.1–R05.3


def _check_order(selection: Selection, operator_org_id: int) -> None:
    """R10.1: an approved plan, filed or within its filing deadline, and a decided selection."""
    rules.check_plan_ready_for_agreement(selectors.gate_of_version(selection.plan_version))
    rules.check_selection_decided(
        selection.status, selection.winner.operator_id if selection.winner_id else None, operator_org_id
    )


def _transition(
    actor: Actor, a: Agreement, target: S, action: str, payload: dict, *, reason: str = ""
) -> Agreement:
    rules.check_agreement_transition(a.status, target)
    previous = a.status
    a.status = target
    if reason:
        a.status_reason = reason.strip()
    if target in (S.EXPIRED, S.TERMINATED):
        a.ended_at = clock.now()
    a.save()
    ledger.append(actor, action, a, {"from": previous, "to": target, **payload})
    return a


@transaction.atomic
def create_agreement(actor: Actor, *, selection_id: int, draft: AgreementDraft) -> Agreement:
    """拟定授权运营协议 with the selected operator (R10.1, R16.1–R16.3, R09.1, R05.*). Agency role."""
    selectors.get_selection_for(actor, selection_id)
    selection = Selection.objects.select_related("plan", "plan_version", "winner").get(pk=selection_id)
    plan = selection.plan
    authorize(actor, Perm.AUTHORIZATION_AGREEMENT_CREATE, org_id=plan.agency_id)
    rules.check_agency_may_draft(selectors.agency_facts(plan.agency))  # R08.1
    if selection.winner_id is None:
        rules.check_selection_decided(selection.status, None, 0)  # R10.1
    operator_id = selection.winner.operator_id
    _check_order(selection, operator_id)
    if not (draft.title or "").strip():
        raise DomainError("R16.1", "须填写协议名称", "an agreement needs a title")
    _check_content(draft, selection.plan_version)
    if Agreement.objects.filter(selection=selection).exclude(status=S.TERMINATED).exists():
        raise DomainError("R10.1", "该遴选结果已签订（拟定）协议", "this selection already has an agreement")
    a = Agreement.objects.create(
        plan=plan,
        plan_version=selection.plan_version,
        selection=selection,
        region_id=plan.region_id,
        agency_id=plan.agency_id,
        operator_id=operator_id,
        title=draft.title.strip(),
        mode=draft.mode,
        scenario=(draft.scenario or "").strip(),
        starts_on=draft.starts_on,
        ends_on=draft.ends_on,
        products=products_json(draft.products),
        no_redevelopment_clause=draft.no_redevelopment_clause,
        created_at=clock.now(),
        created_by_person_id=actor.person_id,
        **{f: (getattr(draft, f) or "").strip() for f in AGREEMENT_TEXT_FIELDS},
    )
    grants = dict(_checked_field_grants(draft))
    AgreementResource.objects.bulk_create(
        [
            AgreementResource(
                agreement=a, resource_id=r, granted_fields=list(grants[r]) if r in grants else None
            )
            for r in dict.fromkeys(draft.resource_ids)
        ]
    )
    ledger.append(
        actor,
        "authorization.agreement.created",
        a,
        {
            "plan": plan.pk,
            "plan_version": selection.plan_version.number,
            "selection": selection.pk,
            "operator": operator_id,
            "mode": a.mode,
            "term": [a.starts_on, a.ends_on],
            "resources": sorted(draft.resource_ids),
            "field_grants": {str(r): list(f) for r, f in sorted(grants.items())},
        },
    )
    return a


def _checked_field_grants(draft: AgreementDraft) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """R19.1: per-resource field grants, checked against the catalog's fields."""
    grants = rules.normalize_field_grants(draft.field_grants)
    if not grants:
        return ()
    catalogued: dict[int, set[str]] = {}
    for rid, name in ResourceField.objects.filter(resource_id__in=[r for r, _ in grants]).values_list(
        "resource_id", "name"
    ):
        catalogued.setdefault(rid, set()).add(name)
    rules.check_field_grants(grants, draft.resource_ids, catalogued)
    return grants


@transaction.atomic
def cosign_agreement(actor: Actor, *, agreement_id: int) -> Cosignature:
    """数源单位会签分领域授权协议 (R09.1). Data source unit role, providing a resource in scope."""
    authorize(actor, Perm.AUTHORIZATION_AGREEMENT_COSIGN)
    a = Agreement.objects.select_for_update().filter(pk=agreement_id).first()
    # Only a unit providing a resource in scope learns anything about the agreement (not even its mode):
    # "missing" and "not yours" answer alike (R22.1).
    providers = set(a.agreement_resources.values_list("resource__provider_id", flat=True)) if a else set()
    if a is None or actor.org_id not in providers:
        raise NotFound("agreement", agreement_id=agreement_id)
    required = selectors.cosigners_required(a)
    rules.check_cosigner(mode=a.mode, org_id=actor.org_id, required_org_ids=required)
    if a.status != S.DRAFT:
        raise DomainError("R09.1", "协议已签订，不能再会签", "the agreement is already signed")
    if a.cosignatures.filter(org_id=actor.org_id).exists():
        raise DomainError("R09.1", "本单位已会签", "already co-signed")
    c = Cosignature.objects.create(
        agreement=a, org_id=actor.org_id, signed_at=clock.now(), signed_by_person_id=actor.person_id
    )
    ledger.append(actor, "authorization.agreement.cosigned", a, {"org": actor.org_id})
    return c


@transaction.atomic
def sign_agreement(
    actor: Actor,
    *,
    agreement_id: int,
    review_meeting: str,
    review_decision_ref: str,
    reviewed_on: dt.date,
    signed_on: dt.date | None = None,
) -> Agreement:
    """经本单位“三重一大”审议后签订协议 (R15.1); opens the 10-working-day filing deadline. Agency role."""
    a = _lock(actor, agreement_id)
    authorize(actor, Perm.AUTHORIZATION_AGREEMENT_SIGN, org_id=a.agency_id)
    rules.check_agreement_transition(a.status, S.SIGNED)
    rules.check_agency_may_sign(selectors.agency_facts(a.agency))  # R08.1
    today = clock.today()
    signed_on = signed_on or today
    rules.check_collective_decision(
        meeting=review_meeting,
        decision_ref=review_decision_ref,
        meeting_on=reviewed_on,
        today=today,
        not_before=None,
        requirement="R15.1",
    )
    if signed_on > today or signed_on < reviewed_on:
        raise DomainError(
            "R15.1",
            "签订日期须在本单位“三重一大”审议之后，且不晚于今天",
            "signing follows the agency's 三重一大 review and is not in the future",
        )
    _check_order(a.selection, a.operator_id)  # R10.1 again: the plan may have gone overdue since drafting
    _check_content(_facts(a), a.plan_version)
    rules.check_cosignatures(
        mode=a.mode,
        required_org_ids=selectors.cosigners_required(a),
        cosigned_org_ids=a.cosignatures.values_list("org_id", flat=True),
    )  # R09.1
    a.review_meeting = review_meeting.strip()
    a.review_decision_ref = review_decision_ref.strip()
    a.reviewed_on = reviewed_on
    a.signed_on = signed_on
    a.signed_at = clock.now()
    a.signed_by_person_id = actor.person_id
    a.filing_due_on = add_workdays(signed_on, rules.FILING_WORKDAYS)  # R15.1
    return _transition(
        actor,
        a,
        S.SIGNED,
        "authorization.agreement.signed",
        {
            "operator": a.operator_id,
            "term": [a.starts_on, a.ends_on],
            "review_decision_ref": a.review_decision_ref,
            "reviewed_on": reviewed_on,
            "signed_on": signed_on,
            "filing_due_on": a.filing_due_on,
        },
    )


@transaction.atomic
def file_agreement(actor: Actor, *, agreement_id: int) -> Agreement:
    """实施机构报本级数据管理部门备案 (R15.1). Late filing is accepted and flagged overdue. Agency."""
    a = _lock(actor, agreement_id)
    authorize(actor, Perm.AUTHORIZATION_AGREEMENT_FILE, org_id=a.agency_id)
    rules.check_agreement_filer(filer_org_id=actor.org_id, agency_org_id=a.agency_id)
    rules.check_agreement_transition(a.status, S.FILED)
    today = clock.today()
    state = rules.filing_state(due_on=a.filing_due_on, filed_on=today, today=today)
    a.filed_on = today
    a.filed_at = clock.now()
    a.filed_by_person_id = actor.person_id
    return _transition(
        actor,
        a,
        S.FILED,
        "authorization.agreement.filed",
        {"due_on": state.due_on, "filed_on": today, "overdue": state.overdue},
    )


@transaction.atomic
def activate_agreement(actor: Actor, *, agreement_id: int) -> Agreement:
    """A filed agreement comes into force on or after its start date. Agency role."""
    a = _lock(actor, agreement_id)
    authorize(actor, Perm.AUTHORIZATION_AGREEMENT_ACTIVATE, org_id=a.agency_id)
    rules.check_agreement_transition(a.status, S.ACTIVE)
    rules.check_activation(today=clock.today(), starts_on=a.starts_on, ends_on=a.ends_on)
    a.activated_at = clock.now()
    a = _transition(actor, a, S.ACTIVE, "authorization.agreement.activated", {})
    # Coming into force is the first provision of each resource in scope: it starts the registration
    # clock of N-REG.9 (the first call per resource wins).
    for resource_id in a.resource_ids:
        catalog_services.record_first_provision(actor, resource_id=resource_id, on=clock.today())  # R17.1
    return a


@transaction.atomic
def suspend_agreement(actor: Actor, *, agreement_id: int, reason: str) -> Agreement:
    """暂停 (e.g. during rectification, R29.1). The agency, or the same-level data_admin."""
    a = _lock(actor, agreement_id)
    authorize_owner_or_admin(
        actor, Perm.AUTHORIZATION_AGREEMENT_SUSPEND, org_id=a.agency_id, region_code=a.region_id
    )
    rules.check_reason(reason, "R15.1")
    return _transition(
        actor, a, S.SUSPENDED, "authorization.agreement.suspended", {"reason": reason.strip()}, reason=reason
    )


@transaction.atomic
def resume_agreement(actor: Actor, *, agreement_id: int, reason: str) -> Agreement:
    """恢复 a suspended agreement within its term. The agency, or the same-level data_admin."""
    a = _lock(actor, agreement_id)
    authorize_owner_or_admin(
        actor, Perm.AUTHORIZATION_AGREEMENT_SUSPEND, org_id=a.agency_id, region_code=a.region_id
    )
    rules.check_reason(reason, "R15.1")
    rules.check_agreement_transition(a.status, S.ACTIVE)
    rules.check_activation(today=clock.today(), starts_on=a.starts_on, ends_on=a.ends_on)
    return _transition(
        actor, a, S.ACTIVE, "authorization.agreement.resumed", {"reason": reason.strip()}, reason=reason
    )


@transaction.atomic
def terminate_agreement(actor: Actor, *, agreement_id: int, reason: str) -> Agreement:
    """提前终止 (第十六条（十二）, R29.1). Agency role."""
    a = _lock(actor, agreement_id)
    authorize(actor, Perm.AUTHORIZATION_AGREEMENT_TERMINATE, org_id=a.agency_id)
    rules.check_reason(reason, "R15.1")
    return _transition(
        actor,
        a,
        S.TERMINATED,
        "authorization.agreement.terminated",
        {"reason": reason.strip()},
        reason=reason,
    )


@transaction.atomic
def expire_agreements(actor: Actor) -> list[int]:
    """期满: agreements past their end date become expired. Run as Actor.system("deadline-sweeper")."""
    if not actor.is_system:
        authorize(actor, Perm.AUTHORIZATION_AGREEMENT_TERMINATE)
    today = clock.today()
    expired = []
    qs = Agreement.objects.select_for_update().filter(status__in=[S.ACTIVE, S.SUSPENDED], ends_on__lt=today)
    if not actor.is_system:
        qs = qs.filter(agency_id=actor.org_id)
    for a in qs:
        _transition(actor, a, S.EXPIRED, "authorization.agreement.expired", {"ends_on": a.ends_on})
        expired.append(a.pk)
    return expired
