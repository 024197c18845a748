"""Implementation plans (实施方案): draft → submit → 三重一大 approval → frozen → filing (R11.1–R13.2)."""

import datetime as dt

from django.db import transaction

from shuyu import ledger
from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.calendar import add_workdays
from shuyu.core.errors import DomainError
from shuyu.core.permissions import Perm, authorize
from shuyu.orgs.models import Organization

from .. import rules, selectors
from ..models import Plan, PlanAmendment, PlanResource, PlanVersion
from ._common import PLAN_TEXT_FIELDS, PlanDraft, authorize_owner_or_admin, check_resources, products_json

S = rules.PlanStatus


def _lock_version(actor: Actor, version_id: int) -> PlanVersion:
    """Fetch through the visibility funnel (NotFound for missing or not yours), then lock the row."""
    selectors.get_version_for(actor, version_id)
    return PlanVersion.objects.select_for_update().select_related("plan").get(pk=version_id)


def _write_content(version: PlanVersion, draft: PlanDraft) -> None:
    if draft.mode and draft.mode not in set(rules.Mode):
        rules.check_mode(draft.mode, scenario=draft.scenario)  # raises R09.1
    if draft.term_years is not None:
        rules.check_plan_term(draft.term_years)
    rules.check_products(rules.ProductItem(**p) for p in products_json(draft.products))
    rules.check_priority_fields(draft.priority_fields)  # R05.4
    check_resources(draft.resource_ids)  # R05.1–R05.3: forbidden data never enters, even a draft
    for f in PLAN_TEXT_FIELDS:
        setattr(version, f, (getattr(draft, f) or "").strip())
    version.mode = version.mode or rules.Mode.WHOLE
    version.feasibility = {k: (v or "").strip() for k, v in dict(draft.feasibility).items()}
    version.operator_conditions = {k: (v or "").strip() for k, v in dict(draft.operator_conditions).items()}
    version.term_years = draft.term_years
    version.products = products_json(draft.products)
    version.priority_fields = list(draft.priority_fields)
    version.save()
    version.plan_resources.all().delete()
    PlanResource.objects.bulk_create(
        [PlanResource(version=version, resource_id=r) for r in dict.fromkeys(draft.resource_ids)]
    )


def _summary(version: PlanVersion) -> dict:
    return {
        "plan": version.plan_id,
        "version": version.number,
        "name": version.name,
        "mode": version.mode,
        "term_years": version.term_years,
        "resources": sorted(version.resource_ids),
    }


@transaction.atomic
def create_plan(
    actor: Actor, *, draft: PlanDraft, authorizer_type: str = rules.AuthorizerType.GOVERNMENT
) -> PlanVersion:
    """实施机构牵头编制实施方案 (第十一条): a new plan with its first draft version. Agency role."""
    authorize(actor, Perm.AUTHORIZATION_PLAN_CREATE, org_id=actor.org_id)
    agency = Organization.objects.get(pk=actor.org_id)
    rules.check_agency_may_draft(selectors.agency_facts(agency))  # R08.1
    if authorizer_type not in set(rules.AuthorizerType):
        raise DomainError("N-SPEC.10", "未知的授权主体类型", "unknown authorizer type")
    now = clock.now()
    plan = Plan.objects.create(
        region_id=agency.region_id, agency=agency, authorizer_type=authorizer_type, created_at=now
    )
    version = PlanVersion(plan=plan, number=1, created_at=now, created_by_person_id=actor.person_id)
    _write_content(version, draft)
    ledger.append(actor, "authorization.plan.created", version, _summary(version))
    return version


@transaction.atomic
def update_plan(actor: Actor, *, version_id: int, draft: PlanDraft) -> PlanVersion:
    """Edit a draft or returned version (an approved one is frozen, R13.1). Agency role."""
    version = _lock_version(actor, version_id)
    authorize(actor, Perm.AUTHORIZATION_PLAN_CREATE, org_id=version.plan.agency_id)
    if version.status in (S.APPROVED, S.SUPERSEDED):
        rules.check_plan_transition(version.status, S.SUBMITTED)  # frozen: names R13.1 and the way out
    if version.status not in rules.EDITABLE_PLAN_STATUSES:
        raise DomainError("R13.1", "已报审的实施方案在审议前不能修改", "a submitted plan cannot be edited")
    _write_content(version, draft)
    ledger.append(actor, "authorization.plan.updated", version, _summary(version))
    return version


@transaction.atomic
def submit_plan(actor: Actor, *, version_id: int) -> PlanVersion:
    """数据管理部门（或实施机构）报本级人民政府 (第十三条). Refused with every missing item (R11.1, R12.1)."""
    version = _lock_version(actor, version_id)
    plan = version.plan
    authorize_owner_or_admin(
        actor, Perm.AUTHORIZATION_PLAN_SUBMIT, org_id=plan.agency_id, region_code=plan.region_id
    )
    rules.check_plan_transition(version.status, S.SUBMITTED)
    rules.check_agency_may_draft(selectors.agency_facts(plan.agency))  # R08.1
    facts = selectors.facts_of_version(version)
    rules.check_plan_submittable(facts)  # R11.1, R12.1, R09.1, R16.2
    check_resources(facts.resource_ids)  # R05.*: grading may have changed since drafting
    if version.number > 1:
        previous = selectors.current_version(plan)
        if previous is not None and not rules.major_changes(selectors.facts_of_version(previous), facts):
            raise DomainError(
                "R13.1",
                "新版本未涉及较大变更（范围、模式、期限、选择条件），一般修改请以修正方式记录",
                "the new version has no major change; record minor changes as amendments",
            )
        if not version.change_summary:
            raise DomainError("R13.1", "重新报批须说明较大变更内容", "describe the major change")
    version.status = S.SUBMITTED
    version.submitted_at = clock.now()
    version.submitted_by_person_id = actor.person_id
    version.save(update_fields=["status", "submitted_at", "submitted_by_person_id"])
    ledger.append(actor, "authorization.plan.submitted", version, _summary(version))
    return version


def _government_decision(
    actor: Actor, version_id: int, *, meeting: str, decision_ref: str, meeting_on: dt.date
):
    authorize(actor, Perm.AUTHORIZATION_PLAN_APPROVE)
    version = _lock_version(actor, version_id)
    plan = version.plan
    rules.check_same_level_government(approver_region=actor.region_code or "", plan_region=plan.region_id)
    rules.check_four_eyes(
        actor_person_id=actor.person_id,
        submitter_person_id=version.submitted_by_person_id,
        requirement="R13.1",
    )
    rules.check_collective_decision(
        meeting=meeting,
        decision_ref=decision_ref,
        meeting_on=meeting_on,
        today=clock.today(),
        not_before=clock.local_date(version.submitted_at) if version.submitted_at else None,
        requirement="R13.1",
    )
    return version, plan


@transaction.atomic
def approve_plan(
    actor: Actor, *, version_id: int, meeting: str, decision_ref: str, meeting_on: dt.date
) -> PlanVersion:
    """本级人民政府“三重一大”审议通过 (R13.1). Freezes the version, supersedes the previous approved one,
    and opens the 10-working-day filing deadline (R13.2). Government role of the plan's own region."""
    version, plan = _government_decision(
        actor, version_id, meeting=meeting, decision_ref=decision_ref, meeting_on=meeting_on
    )
    rules.check_plan_transition(version.status, S.APPROVED)  # a second approval is refused (R13.1)
    due = add_workdays(meeting_on, rules.FILING_WORKDAYS)  # R13.2
    previous = selectors.current_version(plan)
    if previous is not None:
        rules.check_plan_transition(previous.status, S.SUPERSEDED)
        previous.status = S.SUPERSEDED
        previous.save(update_fields=["status"])
    version.status = S.APPROVED
    version.approval_meeting = meeting.strip()
    version.approval_decision_ref = decision_ref.strip()
    version.approved_on = meeting_on
    version.approved_by_org_id = actor.org_id
    version.decided_at = clock.now()
    version.decided_by_person_id = actor.person_id
    version.filing_due_on = due
    version.save()
    ledger.append(
        actor,
        "authorization.plan.approved",
        version,
        {
            **_summary(version),
            "meeting": version.approval_meeting,
            "decision_ref": version.approval_decision_ref,
            "approved_on": meeting_on,
            "filing_due_on": due,
            "superseded": previous.pk if previous else None,
        },
    )
    return version


@transaction.atomic
def return_plan(
    actor: Actor, *, version_id: int, meeting: str, decision_ref: str, meeting_on: dt.date, reason: str
) -> PlanVersion:
    """本级人民政府审议未通过，退回修改 (R13.1). Government role of the plan's own region."""
    version, _plan = _government_decision(
        actor, version_id, meeting=meeting, decision_ref=decision_ref, meeting_on=meeting_on
    )
    rules.check_plan_transition(version.status, S.RETURNED)
    rules.check_reason(reason, "R13.1")
    version.status = S.RETURNED
    version.approval_meeting = meeting.strip()
    version.approval_decision_ref = decision_ref.strip()
    version.return_reason = reason.strip()
    version.decided_at = clock.now()
    version.decided_by_person_id = actor.person_id
    version.save()
    ledger.append(
        actor,
        "authorization.plan.returned",
        version,
        {"plan": version.plan_id, "version": version.number, "decision_ref": version.approval_decision_ref},
    )
    return version


@transaction.atomic
def file_plan(actor: Actor, *, version_id: int) -> PlanVersion:
    """所在市（州）数据管理部门向省级数据管理部门备案 (R13.2). Late filing is accepted and flagged overdue."""
    authorize(actor, Perm.AUTHORIZATION_PLAN_FILE)
    version = _lock_version(actor, version_id)
    plan = version.plan
    rules.check_plan_filer(filer_region=actor.region_code or "", plan_region=plan.region_id)
    if version.status != S.APPROVED or version.filing_due_on is None:
        raise DomainError("R13.2", "只有审议通过的实施方案才能备案", "only an approved plan is filed")
    if version.filed_on is not None:
        raise DomainError("R13.2", "该实施方案版本已备案", "this plan version is already filed")
    today = clock.today()
    state = rules.filing_state(due_on=version.filing_due_on, filed_on=today, today=today)
    version.filed_on = today
    version.filed_at = clock.now()
    version.filed_by_person_id = actor.person_id
    version.filed_by_org_id = actor.org_id
    version.save(update_fields=["filed_on", "filed_at", "filed_by_person_id", "filed_by_org"])
    ledger.append(
        actor,
        "authorization.plan.filed",
        version,
        {
            "plan": plan.pk,
            "version": version.number,
            "due_on": state.due_on,
            "filed_on": today,
            "overdue": state.overdue,
        },
    )
    return version


@transaction.atomic
def amend_plan(
    actor: Actor, *, version_id: int, field_name: str, new_value: str, reason: str
) -> PlanAmendment:
    """A minor change (一般修正) to an approved version, recorded without re-approval (R13.1). Agency."""
    version = _lock_version(actor, version_id)
    authorize(actor, Perm.AUTHORIZATION_PLAN_CREATE, org_id=version.plan.agency_id)
    rules.check_minor_amendment(field_name)
    if version.status != S.APPROVED:
        raise DomainError(
            "R13.1", "只有审议通过的方案以修正方式记录一般变更", "only an approved version is amended"
        )
    rules.check_reason(reason, "R13.1")
    if not (new_value or "").strip():
        raise DomainError("R11.1", "修正后的内容不能为空", "an amended item cannot be empty")
    old = getattr(version, field_name)
    setattr(version, field_name, new_value.strip())
    version.save(update_fields=[field_name])
    amendment = PlanAmendment.objects.create(
        version=version,
        field_name=field_name,
        old_value=old,
        new_value=new_value.strip(),
        reason=reason.strip(),
        amended_at=clock.now(),
        amended_by_person_id=actor.person_id,
    )
    ledger.append(
        actor,
        "authorization.plan.amended",
        amendment,
        {"plan": version.plan_id, "version": version.number, "field": field_name, "reason": amendment.reason},
    )
    return amendment


@transaction.atomic
def revise_plan(actor: Actor, *, version_id: int, change_summary: str) -> PlanVersion:
    """Start a major change (重大变更): a new draft copied from the approved version (R13.1). Agency."""
    source = _lock_version(actor, version_id)
    plan = source.plan
    authorize(actor, Perm.AUTHORIZATION_PLAN_CREATE, org_id=plan.agency_id)
    if source.status != S.APPROVED:
        raise DomainError(
            "R13.1", "只能在已审议通过的版本基础上重新报批", "a new version starts from the approved one"
        )
    if plan.versions.exclude(status__in=[S.APPROVED, S.SUPERSEDED]).exists():
        raise DomainError("R13.1", "该方案已有未审议的新版本", "the plan already has a version in progress")
    rules.check_reason(change_summary, "R13.1")
    latest = selectors.latest_version(plan)
    facts = selectors.facts_of_version(source)
    draft = PlanDraft(
        **{f.name: getattr(facts, f.name) for f in facts.__dataclass_fields__.values()},
        priority_fields=tuple(source.priority_fields or ()),
        change_summary=change_summary,
    )
    version = PlanVersion(
        plan=plan, number=latest.number + 1, created_at=clock.now(), created_by_person_id=actor.person_id
    )
    _write_content(version, draft)
    ledger.append(
        actor, "authorization.plan.revised", version, {**_summary(version), "from_version": source.number}
    )
    return version
