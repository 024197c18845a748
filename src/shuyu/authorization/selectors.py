"""Read queries for the authorization workflow, always filtered by what the actor may see (R22.1).

Visibility: an implementing agency sees its own plans, selections and agreements; data_admin, government
and auditor see those of their region and below (the province sees all, 第十五条); an operator sees its
own agreements; the public sees only `public_authorizations()`. Missing and not-visible look the same.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.errors import NotFound
from shuyu.core.permissions import Perm, has_perm
from shuyu.core.regions import RegionLevel, region_level
from shuyu.core.roles import Role

from . import rules
from .models import Agreement, Designation, Plan, PlanVersion, Selection

_SUPERVISORS = (Role.DATA_ADMIN, Role.GOVERNMENT, Role.AUDITOR, Role.ASSESSOR)


def _region_q(actor: Actor, field: str) -> Q:
    """Regions at or below the actor's organization's region."""
    code = actor.region_code or ""
    if not code:
        return Q(pk__in=[])
    level = region_level(code)
    prefix = {RegionLevel.PROVINCE: code[:2], RegionLevel.CITY: code[:4], RegionLevel.COUNTY: code}[level]
    return Q(**{f"{field}__startswith": prefix})


def _scope_q(actor: Actor, *, agency_field: str, region_field: str, operator_field: str | None = None) -> Q:
    q = Q(pk__in=[])
    if actor.org_id is not None and actor.has_role(Role.IMPLEMENTING_AGENCY):
        q |= Q(**{agency_field: actor.org_id})
    if actor.has_role(*_SUPERVISORS):
        q |= _region_q(actor, region_field)
    if operator_field and actor.org_id is not None and actor.has_role(Role.OPERATOR):
        q |= Q(**{operator_field: actor.org_id})
    return q


# --- plans -----------------------------------------------------------------------------------------------


def plans_visible_to(actor: Actor) -> QuerySet[Plan]:
    if not has_perm(actor, Perm.AUTHORIZATION_PLAN_VIEW):
        return Plan.objects.none()
    q = _scope_q(actor, agency_field="agency_id", region_field="region__code")
    return Plan.objects.filter(q).select_related("agency", "region").order_by("-created_at", "-id")


def versions_visible_to(actor: Actor) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.filter(plan__in=plans_visible_to(actor)).select_related("plan", "plan__agency")


def get_plan_for(actor: Actor, plan_id: int) -> Plan:
    plan = plans_visible_to(actor).filter(pk=plan_id).first()
    if plan is None:
        raise NotFound("plan", plan_id=plan_id)
    return plan


def get_version_for(actor: Actor, version_id: int) -> PlanVersion:
    version = versions_visible_to(actor).filter(pk=version_id).first()
    if version is None:
        raise NotFound("plan version", version_id=version_id)
    return version


def plan_versions(actor: Actor, plan_id: int) -> list[PlanVersion]:
    """All versions of a plan, oldest first, with their resources."""
    plan = get_plan_for(actor, plan_id)
    return list(plan.versions.prefetch_related("plan_resources__resource", "amendments").order_by("number"))


def current_version(plan: Plan) -> PlanVersion | None:
    """The version in force: the latest approved one (None before the first approval)."""
    return plan.versions.filter(status=rules.PlanStatus.APPROVED).order_by("-number").first()


def latest_version(plan: Plan) -> PlanVersion:
    return plan.versions.order_by("-number").first()


def facts_of_version(v: PlanVersion) -> rules.PlanFacts:
    return rules.PlanFacts(
        name=v.name,
        necessity=v.necessity,
        feasibility=dict(v.feasibility or {}),
        operator_conditions=dict(v.operator_conditions or {}),
        mode=v.mode,
        scenario=v.scenario,
        resource_ids=tuple(sorted(v.resource_ids)),
        update_frequency=v.update_frequency,
        data_quality=v.data_quality,
        term_years=v.term_years,
        construction=v.construction,
        technical_support=v.technical_support,
        schedule=v.schedule,
        evaluation_standard=v.evaluation_standard,
        exit_mechanism=v.exit_mechanism,
        asset_management=v.asset_management,
        products=tuple(rules.ProductItem(**p) for p in (v.products or [])),
        accounting_mechanism=v.accounting_mechanism,
        revenue_distribution=v.revenue_distribution,
        data_security=v.data_security,
        personal_info_protection=v.personal_info_protection,
        emergency_response=v.emergency_response,
        rights_obligations=v.rights_obligations,
        supervision_evaluation=v.supervision_evaluation,
        other_matters=v.other_matters,
    )


def filing_of_version(v: PlanVersion, today: dt.date | None = None) -> rules.FilingState | None:
    if v.filing_due_on is None:
        return None
    return rules.filing_state(due_on=v.filing_due_on, filed_on=v.filed_on, today=today or clock.today())


def gate_of_version(v: PlanVersion) -> rules.PlanGate:
    return rules.PlanGate(status=v.status, approved_on=v.approved_on, filing=filing_of_version(v))


@dataclass(frozen=True)
class PlanStatusView:
    """What a page shows about one plan version: where it is, and its filing deadline (R13.1, R13.2)."""

    version_id: int
    number: int
    status: str
    status_label: str
    missing_items: list[str]  # R11.1/R12.1 gaps while editable
    approved_on: dt.date | None
    approval_meeting: str
    approval_decision_ref: str
    filing: rules.FilingState | None


def plan_status(version: PlanVersion) -> PlanStatusView:
    facts = facts_of_version(version)
    missing = []
    if version.status in rules.EDITABLE_PLAN_STATUSES:
        missing = rules.missing_plan_items(facts) + [
            f"可行性论证：{p}" for p in rules.missing_feasibility_parts(facts.feasibility)
        ]
    return PlanStatusView(
        version_id=version.pk,
        number=version.number,
        status=version.status,
        status_label=rules.PLAN_STATUS_LABELS[rules.PlanStatus(version.status)],
        missing_items=missing,
        approved_on=version.approved_on,
        approval_meeting=version.approval_meeting,
        approval_decision_ref=version.approval_decision_ref,
        filing=filing_of_version(version),
    )


# --- designations ----------------------------------------------------------------------------------------


def designations_visible_to(actor: Actor) -> QuerySet[Designation]:
    q = Q(pk__in=[])
    if actor.has_role(Role.DATA_ADMIN, Role.GOVERNMENT, Role.AUDITOR):
        q |= _region_q(actor, "region__code")
    if actor.org_id is not None:
        q |= Q(agency_id=actor.org_id)
    return Designation.objects.filter(q).select_related("agency", "government", "region")


def designation_in_force(agency_org_id: int) -> Designation | None:
    return (
        Designation.objects.filter(agency_id=agency_org_id, revoked_at__isnull=True)
        .order_by("-designated_on", "-id")
        .first()
    )


def agency_facts(org) -> rules.AgencyFacts:
    d = designation_in_force(org.pk)
    return rules.AgencyFacts(
        org_id=org.pk,
        kind=org.kind,
        region_code=org.region_id,
        designated=d is not None,
        designation_filed=d is not None and d.filed_at is not None,
    )


# --- selections ------------------------------------------------------------------------------------------


def selections_visible_to(actor: Actor) -> QuerySet[Selection]:
    if not has_perm(actor, Perm.AUTHORIZATION_SELECTION_VIEW):
        return Selection.objects.none()
    q = _scope_q(actor, agency_field="plan__agency_id", region_field="plan__region__code")
    return Selection.objects.filter(q).select_related("plan", "plan_version", "winner__operator")


def get_selection_for(actor: Actor, selection_id: int) -> Selection:
    s = selections_visible_to(actor).filter(pk=selection_id).first()
    if s is None:
        raise NotFound("selection", selection_id=selection_id)
    return s


# --- agreements ------------------------------------------------------------------------------------------


def agreements_visible_to(actor: Actor) -> QuerySet[Agreement]:
    if not has_perm(actor, Perm.AUTHORIZATION_AGREEMENT_VIEW):
        return Agreement.objects.none()
    q = _scope_q(actor, agency_field="agency_id", region_field="region__code", operator_field="operator_id")
    return (
        Agreement.objects.filter(q)
        .select_related("agency", "operator", "region", "plan_version")
        .order_by("-created_at", "-id")
    )


def get_agreement_for(actor: Actor, agreement_id: int) -> Agreement:
    a = agreements_visible_to(actor).filter(pk=agreement_id).first()
    if a is None:
        raise NotFound("agreement", agreement_id=agreement_id)
    return a


def filing_of_agreement(a: Agreement, today: dt.date | None = None) -> rules.FilingState | None:
    if a.filing_due_on is None:
        return None
    return rules.filing_state(due_on=a.filing_due_on, filed_on=a.filed_on, today=today or clock.today())


def cosigners_required(a: Agreement) -> set[int]:
    """R09.1: for 分领域授权, the data source units that provide the resources in scope."""
    if a.mode != rules.Mode.DOMAIN:
        return set()
    return set(a.agreement_resources.values_list("resource__provider_id", flat=True))


# --- deadlines (R13.2, R15.1) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    kind: str  # "plan_filing" | "agreement_filing"
    kind_label: str
    subject_id: int  # PlanVersion id or Agreement id
    plan_id: int | None
    title: str
    region_code: str
    responsible: str  # who must file
    event_on: dt.date  # approval or signing date
    due_on: dt.date
    filed_on: dt.date | None
    overdue: bool
    days_left: int | None


def deadlines_for(actor: Actor, *, include_filed: bool = False) -> list[Deadline]:
    """Filing deadlines the actor may see, overdue first then by due date (R13.2, R15.1).

    A system actor (the deadline sweeper that raises overdue alerts) sees every region's."""
    today = clock.today()
    out: list[Deadline] = []
    if actor.is_system:
        version_qs, agreement_qs = PlanVersion.objects.all(), Agreement.objects.select_related("agency")
    else:
        version_qs, agreement_qs = versions_visible_to(actor), agreements_visible_to(actor)
    versions = version_qs.filter(filing_due_on__isnull=False).select_related("plan__region")
    if not include_filed:
        versions = versions.filter(filed_on__isnull=True)
    for v in versions:
        f = filing_of_version(v, today)
        out.append(
            Deadline(
                kind="plan_filing",
                kind_label="实施方案备案",
                subject_id=v.pk,
                plan_id=v.plan_id,
                title=str(v),
                region_code=v.plan.region_id,
                responsible=f"{v.plan.region.name}数据管理部门",
                event_on=v.approved_on,
                due_on=f.due_on,
                filed_on=f.filed_on,
                overdue=f.overdue,
                days_left=f.days_left,
            )
        )
    agreements = agreement_qs.filter(filing_due_on__isnull=False)
    if not include_filed:
        agreements = agreements.filter(filed_on__isnull=True).exclude(status=rules.AgreementStatus.TERMINATED)
    for a in agreements:
        f = filing_of_agreement(a, today)
        out.append(
            Deadline(
                kind="agreement_filing",
                kind_label="授权运营协议备案",
                subject_id=a.pk,
                plan_id=a.plan_id,
                title=a.title,
                region_code=a.region_id,
                responsible=a.agency.name,
                event_on=a.signed_on,
                due_on=f.due_on,
                filed_on=f.filed_on,
                overdue=f.overdue,
                days_left=f.days_left,
            )
        )
    return sorted(out, key=lambda d: (not d.overdue, d.due_on, d.kind, d.subject_id))


# --- the public portal (R24.1 seed) ----------------------------------------------------------------------


@dataclass(frozen=True)
class PublicAuthorization:
    """What the public may know of an authorization: who, what, scope, term (第二十四条). Nothing else."""

    agreement_id: int
    title: str
    operator_name: str
    operator_uscc: str  # a legal person's code is public registration data
    agency_name: str
    region_code: str
    region_name: str
    mode: str
    mode_label: str
    scenario: str
    resource_names: list[str]
    starts_on: dt.date
    ends_on: dt.date


def public_authorizations() -> list[PublicAuthorization]:
    """Agreements in force, for the disclosure portal. No meeting records, scores, prices or people."""
    qs = (
        Agreement.objects.filter(status__in=rules.AGREEMENT_IN_FORCE)
        .select_related("operator", "agency", "region")
        .prefetch_related("agreement_resources__resource")
        .order_by("region_id", "starts_on", "id")
    )
    return [
        PublicAuthorization(
            agreement_id=a.pk,
            title=a.title,
            operator_name=a.operator.name,
            operator_uscc=a.operator.uscc,
            agency_name=a.agency.name,
            region_code=a.region_id,
            region_name=a.region.name,
            mode=a.mode,
            mode_label=rules.MODE_LABELS[rules.Mode(a.mode)],
            scenario=a.scenario,
            resource_names=[ar.resource.name for ar in a.agreement_resources.all()],
            starts_on=a.starts_on,
            ends_on=a.ends_on,
        )
        for a in qs
    ]


def operator_scope(agreement_id: int) -> set[int]:
    """The resource ids an agreement in force authorizes (sandbox checks jobs against it, R19.1)."""
    a = Agreement.objects.filter(pk=agreement_id, status__in=rules.AGREEMENT_IN_FORCE).first()
    return set(a.resource_ids) if a else set()
