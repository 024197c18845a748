"""Read queries for the catalog, filtered by what the actor may see. Metadata only: nothing here reads
the vault's data (R04.1)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.calendar import add_workdays
from shuyu.core.errors import NotFound
from shuyu.core.permissions import Perm, has_perm
from shuyu.core.roles import Role

from . import rules
from .models import DataResource, QualityReport, Registration, RegistrationStatus, ResourceVersion
from .rules import ResourceFacts

_SEES_ALL = (Role.DATA_ADMIN, Role.IMPLEMENTING_AGENCY, Role.REGISTRAR, Role.AUDITOR)
_OPEN = (
    RegistrationStatus.APPLIED,
    RegistrationStatus.SUPPLEMENT,
    RegistrationStatus.ACCEPTED,
    RegistrationStatus.PUBLICIZING,
    RegistrationStatus.OBJECTION,
)


def _policy():
    from .models import CatalogPolicy

    return CatalogPolicy.objects.filter(pk=1).first() or CatalogPolicy(pk=1)


def transition_due_on() -> dt.date:
    """N-REG.9 second part (R32.1): 30 working days after 2025-03-01, from the calendar (2025-04-14)."""
    return add_workdays(rules.MEASURES_EFFECTIVE_ON, rules.TRANSITION_WORKDAYS)


def first_registration_due_on(r: DataResource) -> dt.date | None:
    """N-REG.9: 20 working days after first provision; for an operation that existed before the 办法
    (R32.1) the transitional date, or the earlier of both when it was also first provided since."""
    dues = []
    if r.first_provided_on:
        dues.append(add_workdays(r.first_provided_on, rules.FIRST_REGISTRATION_WORKDAYS))
    if r.pre_existing_operation:
        dues.append(transition_due_on())
    return min(dues) if dues else None


def facts_of(
    r: DataResource, *, code_before_use: bool | None = None, today: dt.date | None = None
) -> ResourceFacts:
    today = today or clock.today()
    regs = list(r.registrations.all())  # prefetched by resource_facts
    registered = any(
        x.status == RegistrationStatus.CODED and x.expires_on and x.expires_on >= today for x in regs
    )
    pending = any(x.status in _OPEN for x in regs)
    due = first_registration_due_on(r)  # N-REG.9
    return ResourceFacts(
        id=r.pk,
        code=r.code,
        name=r.name,
        grading_level=r.grading_level,
        forbidden=r.involves_state_secrets or r.affects_public_security or r.legally_not_open,
        shared_from_other=r.shared_from_id is not None,
        sharing_consented=r.sharing_consent_at is not None,
        important_approved=bool(r.risk_assessment_ref) and r.important_approved_at is not None,
        registered=registered,
        registration_pending=pending,
        first_provided_on=r.first_provided_on,
        registration_due_on=due,
        registration_overdue=rules.registration_overdue(
            registered=registered, pending=pending, due_on=due, today=today
        ),
        code_before_use=_policy().code_before_use if code_before_use is None else code_before_use,
    )


def resource_facts(ids) -> dict[int, ResourceFacts]:
    """Facts for the given resource ids; unknown ids are simply absent (callers report them)."""
    code_first = _policy().code_before_use
    today = clock.today()
    qs = DataResource.objects.filter(pk__in=list(ids)).prefetch_related("registrations")
    return {r.pk: facts_of(r, code_before_use=code_first, today=today) for r in qs}


def visible_to(actor: Actor) -> QuerySet[DataResource]:
    """Resources the actor may see in the back office (metadata only)."""
    qs = DataResource.objects.select_related("provider", "region")
    if not has_perm(actor, Perm.CATALOG_RESOURCE_VIEW):
        return qs.none()
    if actor.has_role(*_SEES_ALL):
        return qs
    return qs.filter(
        Q(provider_id=actor.org_id) | Q(shared_from_id=actor.org_id) | Q(industry_authority_id=actor.org_id)
    )


def get_resource_for(actor: Actor, resource_id: int) -> DataResource:
    r = visible_to(actor).filter(pk=resource_id).first()
    if r is None:
        raise NotFound("resource")
    return r


def resource_id_of(code: str) -> int:
    """The id of a resource by its code (codes are public catalog metadata); the services authorize."""
    pk = DataResource.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None:
        raise NotFound("resource")
    return pk


def public_resources() -> QuerySet[DataResource]:
    """The public catalog: metadata of resources that are not excluded by law (R05.2) and not core data."""
    return (
        DataResource.objects.select_related("provider", "region")
        .filter(involves_state_secrets=False, affects_public_security=False, legally_not_open=False)
        .exclude(grading_level="core")
        .prefetch_related("fields", "registrations")
    )


def get_public_resource(code: str) -> DataResource:
    r = public_resources().filter(code=code).first()
    if r is None:
        raise NotFound("resource")
    return r


def latest_version(resource: DataResource) -> ResourceVersion | None:
    return resource.versions.order_by("-number").first()


def latest_quality(resource: DataResource) -> QualityReport | None:
    return (
        QualityReport.objects.filter(version__resource=resource)
        .order_by("-version__number", "-computed_at")
        .first()
    )


def registration_code(resource: DataResource) -> str | None:
    today = clock.today()
    for reg in resource.registrations.all():
        if reg.status == RegistrationStatus.CODED and reg.expires_on and reg.expires_on >= today:
            return reg.code
    return None


def registrations_visible_to(actor: Actor) -> QuerySet[Registration]:
    qs = Registration.objects.select_related("resource", "applicant_org")
    if has_perm(actor, Perm.CATALOG_REGISTRATION_PROCESS) or actor.has_role(Role.DATA_ADMIN, Role.AUDITOR):
        return qs
    if actor.org_id is None:
        return qs.none()
    return qs.filter(Q(applicant_org_id=actor.org_id) | Q(resource__provider_id=actor.org_id))


def get_registration_for(actor: Actor, registration_id: int) -> Registration:
    reg = registrations_visible_to(actor).filter(pk=registration_id).first()
    if reg is None:
        raise NotFound("registration")
    return reg


def public_notices() -> QuerySet[Registration]:
    """Registrations under 公示: the public sees only the four fields of N-REG.15."""
    return Registration.objects.select_related("applicant_org").filter(
        status__in=(RegistrationStatus.PUBLICIZING, RegistrationStatus.OBJECTION)
    )


@dataclass(frozen=True)
class Deadline:
    registration_id: int
    data_name: str
    step: str
    due_on: dt.date
    overdue: bool


def registration_deadlines(actor: Actor) -> list[Deadline]:
    """Deadlines of open registrations for the agency's dashboard (N-REG.13–15), earliest first."""
    today = clock.today()
    out = []
    for reg in registrations_visible_to(actor).filter(status__in=_OPEN):
        step, due = {
            RegistrationStatus.APPLIED: ("受理", reg.accept_due_on),
            RegistrationStatus.ACCEPTED: ("形式审核", reg.review_due_on),
            RegistrationStatus.PUBLICIZING: ("公示期满", reg.publicity_ends_on),
            RegistrationStatus.OBJECTION: ("公示期满", reg.publicity_ends_on),
        }.get(reg.status, ("补正", None))
        if due:
            out.append(Deadline(reg.pk, reg.data_name, step, due, today > due))
    started = Q(first_provided_on__isnull=False) | Q(pre_existing_operation=True)
    for r in visible_to(actor).filter(started).prefetch_related("registrations"):
        f = facts_of(r, code_before_use=False, today=today)
        if not f.registered and not f.registration_pending and f.registration_due_on:
            step = "首次登记申请（存量运营过渡期）" if r.pre_existing_operation else "首次登记申请"
            out.append(Deadline(0, r.name, step, f.registration_due_on, f.registration_overdue))
    for a in change_registration_alerts(actor):
        out.append(Deadline(a.registration_id, a.resource_name, "变更登记申请", a.due_on, a.overdue))
    return sorted(out, key=lambda d: d.due_on)


@dataclass(frozen=True)
class ChangeAlert:
    """N-REG.10: the vault holds a version whose manifest differs from the registered one."""

    resource_id: int
    resource_code: str
    resource_name: str
    registration_id: int
    registration_code: str
    registered_sha256: str
    version_number: int  # the first version whose manifest differs
    changed_on: dt.date
    due_on: dt.date
    overdue: bool


def change_registration_alerts(actor: Actor) -> list[ChangeAlert]:
    """Registered resources whose manifest hash changed after registration with no change registration
    applied for (N-REG.10), due N working days (CatalogPolicy) after the change, earliest first."""
    today, n = clock.today(), _policy().change_registration_workdays
    coded = (
        registrations_visible_to(actor)
        .filter(status=RegistrationStatus.CODED, resource__isnull=False, expires_on__gte=today)
        .select_related("resource")
        .order_by("resource_id", "-coded_at")
    )
    busy = set(
        Registration.objects.filter(status__in=_OPEN, resource__isnull=False).values_list(
            "resource_id", flat=True
        )
    )
    out, seen = [], set()
    for reg in coded:
        if reg.resource_id in seen or reg.resource_id in busy:
            continue
        seen.add(reg.resource_id)
        deposit = _registered_deposit(reg)
        if deposit is None:
            continue
        changed = (
            ResourceVersion.objects.filter(resource_id=reg.resource_id, number__gt=deposit.version.number)
            .exclude(manifest_sha256=deposit.manifest_sha256)
            .order_by("number")
            .first()
        )
        if changed is None:
            continue
        changed_on = clock.local_date(changed.loaded_at)
        due = add_workdays(changed_on, n)
        out.append(
            ChangeAlert(
                resource_id=reg.resource_id,
                resource_code=reg.resource.code,
                resource_name=reg.resource.name,
                registration_id=reg.pk,
                registration_code=reg.code or "",
                registered_sha256=deposit.manifest_sha256,
                version_number=changed.number,
                changed_on=changed_on,
                due_on=due,
                overdue=today > due,
            )
        )
    return sorted(out, key=lambda a: a.due_on)


def _registered_deposit(reg: Registration):
    """The evidence the record stands on: its own, or (for a correction) that of the record it corrects."""
    seen = 0
    while reg is not None and seen < 50:
        if reg.evidence_id:
            return reg.evidence
        reg, seen = reg.previous, seen + 1
    return None


@dataclass(frozen=True)
class FieldFacts:
    name: str
    label: str
    type: str
    sensitivity: str
    is_disclosure_unit: bool
    is_key: bool
    format: str


@dataclass(frozen=True)
class VaultFacts:
    """What the sandbox needs to mount a resource version: files, hash, and the fields' rules."""

    resource_id: int
    resource_code: str
    version_id: int
    version_number: int
    paths: tuple[str, ...]  # absolute Parquet paths, in order
    manifest_sha256: str
    row_count: int
    fields: tuple[FieldFacts, ...]


def vault_facts(resource_id: int, version_number: int | None = None) -> VaultFacts:
    """For in-domain use only (sandbox): never hand these paths to anything outside the environment."""
    from . import vault

    versions = ResourceVersion.objects.select_related("resource").filter(resource_id=resource_id)
    v = (
        versions.filter(number=version_number).first()
        if version_number
        else versions.order_by("-number").first()
    )
    if v is None:
        raise NotFound("version")
    return VaultFacts(
        resource_id=resource_id,
        resource_code=v.resource.code,
        version_id=v.pk,
        version_number=v.number,
        paths=tuple(str(vault.absolute(p["path"])) for p in v.parts),
        manifest_sha256=v.manifest_sha256,
        row_count=v.row_count,
        fields=tuple(
            FieldFacts(f.name, f.label, f.type, f.sensitivity, f.is_disclosure_unit, f.is_key, f.format)
            for f in v.resource.fields.all()
        ),
    )
