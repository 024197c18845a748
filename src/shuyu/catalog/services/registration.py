"""The registration procedure (第十七条; 登记管理暂行办法, N-REG.5–18).

申请 → 受理 (3 working days; 补正 once; 不予受理 with a reason) → 形式审核 (20) → 公示 (10, real-name
objections) → 赋码. Deadlines come from `core.calendar`. The registrar acts with
`catalog:registration:process`; applicants (the implementing agency for resources, N-SPEC.4, or the data
source unit, N-REG.1) with `catalog:registration:apply`.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from shuyu import ledger
from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.calendar import add_workdays
from shuyu.core.errors import DomainError, NotFound, PermissionDenied
from shuyu.core.permissions import Perm, authorize

from .. import rules
from ..models import (
    DataResource,
    EvidenceDeposit,
    Objection,
    Registration,
    RegistrationKind,
    RegistrationStatus,
    ResourceVersion,
)
from .refusals import logs_refusal
from .resources import policy

S = RegistrationStatus
OPEN_STATUSES = (S.APPLIED, S.SUPPLEMENT, S.ACCEPTED, S.PUBLICIZING, S.OBJECTION)


# ---------------------------------------------------------------- pluggable code formats (N-REG.16 [U])


@dataclass(frozen=True)
class CodeFormat:
    generate: Callable[[Registration, int], str]
    validate: Callable[[str], bool]


def _shuyu_v1(reg: Registration, seq: int) -> str:
    kind = "R" if reg.subject_kind == "resource" else "P"
    region = reg.applicant_org.region_id
    return f"DJ{region}{clock.today().year}{kind}{seq:08d}"


CODE_FORMATS: dict[str, CodeFormat] = {
    # The national 统一编码规范 is unpublished: this placeholder is unique and ≤64 characters.
    "shuyu-v1": CodeFormat(
        generate=_shuyu_v1, validate=lambda c: bool(re.fullmatch(r"DJ\d{6}\d{4}[RP]\d{8}", c))
    ),
    "opaque": CodeFormat(
        generate=lambda reg, seq: f"REG-{seq:012d}",
        validate=lambda c: bool(re.fullmatch(r"[\x21-\x7e]{1,64}", c)),
    ),
}


def register_code_format(name: str, *, generate: Callable[[Registration, int], str], validate) -> None:
    """Plug in the national format once it is published (N-REG.16)."""
    CODE_FORMATS[name] = CodeFormat(generate=generate, validate=validate)


# ---------------------------------------------------------------- helpers


def _locked(registration_id: int) -> Registration:
    reg = Registration.objects.select_for_update().filter(pk=registration_id).first()
    if reg is None:
        raise NotFound("registration")
    return reg


def _move(reg: Registration, target: str, actor: Actor) -> None:
    rules.check_transition(reg.status, target)  # N-REG.6
    reg.status = target
    reg.processed_by_person_id = actor.person_id


def _check_applicant(actor: Actor, resource: DataResource) -> None:
    authorize(actor, Perm.CATALOG_REGISTRATION_APPLY)
    from shuyu.core.roles import Role

    if actor.org_id == resource.provider_id:
        return  # N-REG.1: the data source unit
    if actor.has_role(Role.IMPLEMENTING_AGENCY):
        return  # N-SPEC.4: the implementing agency registers the authorized resources
    raise PermissionDenied(
        "N-REG.1",
        "公共数据资源由数源单位或实施机构申请登记",
        "a resource is registered by its data source unit or the implementing agency",
    )


def current_registration(resource_id: int) -> Registration | None:
    today = clock.today()
    return (
        Registration.objects.filter(resource_id=resource_id, status=S.CODED, expires_on__gte=today)
        .order_by("-coded_at")
        .first()
    )


def _check_correction_basis(reg: Registration) -> None:
    if reg.kind == RegistrationKind.CORRECTION:
        rules.check_correction_basis(reg.correction_basis, reg.correction_basis_ref)  # N-REG.11


# ---------------------------------------------------------------- evidence (存证, N-REG.5)


@transaction.atomic
def deposit_evidence(actor: Actor, *, resource_id: int, version_id: int | None = None) -> EvidenceDeposit:
    """Anchor the manifest hash of a vault version in the ledger before applying (N-REG.5)."""
    authorize(actor, Perm.CATALOG_REGISTRATION_APPLY)  # the role before the lookup: ids cannot be probed
    resource = DataResource.objects.filter(pk=resource_id).first()
    if resource is None:
        raise NotFound("resource")
    _check_applicant(actor, resource)
    versions = ResourceVersion.objects.filter(resource=resource)
    version = versions.filter(pk=version_id).first() if version_id else versions.order_by("-number").first()
    if version is None:
        raise DomainError(
            "N-REG.5",
            "资源尚无入库版本，无法存证（须先将数据加载入库）",
            "no vault version to deposit; load data first",
        )
    entry = ledger.append(
        actor,
        "catalog.evidence.deposited",
        resource,
        {"version": version.number, "manifest_sha256": version.manifest_sha256, "rows": version.row_count},
    )
    return EvidenceDeposit.objects.create(
        resource=resource,
        version=version,
        manifest_sha256=version.manifest_sha256,
        ledger_seq=entry.seq,
        deposited_at=clock.now(),
        deposited_by_person_id=actor.person_id,
    )


# ---------------------------------------------------------------- 申请


@logs_refusal("registration", also=("R05.2",))  # R05.2: registering a forbidden resource, N-REG.1
@transaction.atomic
def apply_registration(
    actor: Actor,
    *,
    resource_id: int,
    materials: dict,
    kind: str = RegistrationKind.FIRST,
    evidence_id: int | None = None,
    summary: str | None = None,
) -> Registration:
    """Apply for a first, change, correction or cancellation registration of a resource (N-REG.7)."""
    resource = DataResource.objects.select_for_update().filter(pk=resource_id).first()
    if resource is None:
        raise NotFound("resource")
    _check_applicant(actor, resource)
    if kind not in RegistrationKind.values:
        raise DomainError("N-REG.7", "登记类型须为首次、变更、更正或注销", "unknown registration kind")
    if resource.forbidden:  # R05.2: such data is never in an authorized-operation scope
        raise DomainError(
            "R05.2",
            f"资源「{resource.name}」依法不得开展授权运营，不予登记",
            f"resource {resource.code} is excluded from authorized operation and cannot be registered",
        )
    if not resource.grading_level:
        raise DomainError(
            "R05.1", "资源须先完成分类分级再申请登记", "grade the resource before registering it"
        )
    open_exists = Registration.objects.filter(resource=resource, status__in=OPEN_STATUSES).exists()
    if open_exists:
        raise DomainError(
            "N-REG.6", "该资源已有办理中的登记申请", "a registration of this resource is in progress"
        )
    previous = current_registration(resource.pk)
    if kind == RegistrationKind.FIRST:
        if previous is not None:
            raise DomainError(
                "N-REG.7", "该资源已登记，请申请变更或更正登记", "already registered; apply for a change"
            )
        rules.check_first_materials(materials)  # N-REG.8
    elif previous is None:
        raise DomainError("N-REG.7", "该资源尚未登记，请先申请首次登记", "not registered yet; apply first")
    evidence = None
    if kind in (RegistrationKind.FIRST, RegistrationKind.CHANGE):
        evidence = (
            EvidenceDeposit.objects.filter(pk=evidence_id, resource=resource).first() if evidence_id else None
        )
        if evidence is None:
            raise DomainError(
                "N-REG.5",
                "申请登记前须对数据资源进行存证",
                "deposit evidence of the resource before applying",
            )
    today = clock.today()
    reg = Registration.objects.create(
        subject_kind="resource",
        resource=resource,
        kind=kind,
        previous=previous,
        status=S.APPLIED,
        applicant_org_id=actor.org_id,
        applicant_person_id=actor.person_id or 0,
        materials={k: str(v) for k, v in materials.items()},
        evidence=evidence,
        data_name=resource.name,
        summary=summary if summary is not None else resource.description,
        applied_at=clock.now(),
        accept_due_on=add_workdays(today, rules.ACCEPT_WORKDAYS),  # N-REG.13
    )
    ledger.append(
        actor,
        "catalog.registration.applied",
        reg,
        {
            "resource": resource.code,
            "kind": kind,
            "evidence_seq": evidence.ledger_seq if evidence else None,
            "manifest_sha256": evidence.manifest_sha256 if evidence else None,
            "accept_due_on": reg.accept_due_on,
        },
    )
    return reg


@transaction.atomic
def request_supplement(actor: Actor, *, registration_id: int, items: list[str]) -> Registration:
    """补正: one notice listing everything missing (一次性告知, N-REG.13)."""
    authorize(actor, Perm.CATALOG_REGISTRATION_PROCESS)
    reg = _locked(registration_id)
    rules.check_supplement_once(reg.supplement_requested_at is not None, [i for i in items if i.strip()])
    _move(reg, S.SUPPLEMENT, actor)
    reg.supplement_notice = [i.strip() for i in items if i.strip()]
    reg.supplement_requested_at = clock.now()
    reg.accept_due_on = None
    reg.save()
    ledger.append(actor, "catalog.registration.supplement_requested", reg, {"items": reg.supplement_notice})
    return reg


@transaction.atomic
def resubmit_registration(actor: Actor, *, registration_id: int, materials: dict) -> Registration:
    """The applicant completes the materials; the 3-day clock restarts (N-REG.13)."""
    reg = _locked(registration_id)
    if reg.applicant_org_id != actor.org_id:
        raise NotFound("registration")
    authorize(actor, Perm.CATALOG_REGISTRATION_APPLY)
    merged = dict(reg.materials) | {k: str(v) for k, v in materials.items()}
    if reg.kind == RegistrationKind.FIRST:
        rules.check_first_materials(merged)
    _move(reg, S.APPLIED, actor)
    reg.materials = merged
    reg.accept_due_on = add_workdays(clock.today(), rules.ACCEPT_WORKDAYS)
    reg.save()
    ledger.append(actor, "catalog.registration.resubmitted", reg, {"accept_due_on": reg.accept_due_on})
    return reg


@transaction.atomic
def reject_registration(actor: Actor, *, registration_id: int, reason: str) -> Registration:
    """不予受理 (or fails the formal review), always with a reason (N-REG.13/14)."""
    authorize(actor, Perm.CATALOG_REGISTRATION_PROCESS)
    reg = _locked(registration_id)
    rules.check_reason(reason)
    _move(reg, S.NOT_ACCEPTED, actor)
    reg.not_accepted_reason = reason.strip()
    reg.closed_at = clock.now()
    reg.save()
    ledger.append(actor, "catalog.registration.rejected", reg, {"reason": reg.not_accepted_reason})
    return reg


@transaction.atomic
def accept_registration(actor: Actor, *, registration_id: int) -> Registration:
    """受理; the formal review is due within 20 working days (N-REG.14)."""
    authorize(actor, Perm.CATALOG_REGISTRATION_PROCESS)
    reg = _locked(registration_id)
    _move(reg, S.ACCEPTED, actor)
    reg.accepted_at = clock.now()
    days = rules.CANCELLATION_WORKDAYS if reg.kind == RegistrationKind.CANCELLATION else rules.REVIEW_WORKDAYS
    reg.review_due_on = add_workdays(clock.today(), days)
    reg.save()
    ledger.append(actor, "catalog.registration.accepted", reg, {"review_due_on": reg.review_due_on})
    return reg


@transaction.atomic
def complete_review(actor: Actor, *, registration_id: int) -> Registration:
    """形式审核 passed: publish for 10 working days (N-REG.15); a cancellation is completed instead."""
    authorize(actor, Perm.CATALOG_REGISTRATION_PROCESS)
    reg = _locked(registration_id)
    _check_correction_basis(reg)
    now, today = clock.now(), clock.today()
    reg.reviewed_at = now
    if reg.kind == RegistrationKind.CANCELLATION:  # N-REG.12
        _move(reg, S.CANCELLED, actor)
        reg.closed_at = now
        reg.save()
        prev = Registration.objects.select_for_update().get(pk=reg.previous_id)
        _move(prev, S.CANCELLED, actor)
        prev.closed_at, prev.closed_reason = now, "注销登记"
        prev.save()
        ledger.append(actor, "catalog.registration.cancelled", prev, {"by": reg.pk})
        return reg
    _move(reg, S.PUBLICIZING, actor)
    reg.publicity_starts_on = today
    reg.publicity_ends_on = add_workdays(today, rules.PUBLICITY_WORKDAYS)
    reg.save()
    ledger.append(actor, "catalog.registration.publicized", reg, {"until": reg.publicity_ends_on})
    return reg


@transaction.atomic
def file_objection(actor: Actor, *, registration_id: int, reason: str, evidence_ref: str) -> Objection:
    """A real-name objection with evidence during the notice (N-REG.15)."""
    reg = _locked(registration_id)
    if reg.status not in (S.PUBLICIZING, S.OBJECTION):
        raise NotFound("registration")
    rules.check_objection_materials(actor.person_id is not None, reason, evidence_ref)
    rules.check_publicity_open(reg.publicity_starts_on, reg.publicity_ends_on, clock.today())
    objection = Objection.objects.create(
        registration=reg,
        objector_person_id=actor.person_id,
        objector_org_id=actor.org_id,
        reason=reason.strip(),
        evidence_ref=evidence_ref.strip(),
        filed_at=clock.now(),
    )
    if reg.status == S.PUBLICIZING:
        _move(reg, S.OBJECTION, actor)
        reg.save()
    ledger.append(actor, "catalog.registration.objected", reg, {"objection": objection.pk})
    return objection


@transaction.atomic
def decide_objection(actor: Actor, *, objection_id: int, upheld: bool, note: str) -> Objection:
    """The registrar reviews an objection; if upheld the registration is terminated (N-REG.15)."""
    authorize(actor, Perm.CATALOG_REGISTRATION_PROCESS)
    objection = Objection.objects.select_for_update().filter(pk=objection_id, upheld__isnull=True).first()
    if objection is None:
        raise NotFound("objection")
    rules.check_reason(note, "N-REG.15")
    reg = _locked(objection.registration_id)
    objection.upheld, objection.decided_at, objection.decision_note = upheld, clock.now(), note.strip()
    objection.save()
    if upheld:
        _move(reg, S.TERMINATED, actor)
        reg.closed_at, reg.closed_reason = clock.now(), note.strip()
        reg.save()
    elif not reg.objections.filter(upheld__isnull=True).exists():
        _move(reg, S.PUBLICIZING, actor)
        reg.save()
    ledger.append(actor, "catalog.objection.decided", reg, {"objection": objection.pk, "upheld": upheld})
    return objection


@transaction.atomic
def issue_code(actor: Actor, *, registration_id: int, code: str | None = None) -> Registration:
    """赋码 after the notice ends without a pending objection; valid 3 years (N-REG.16/17)."""
    authorize(actor, Perm.CATALOG_REGISTRATION_PROCESS)
    reg = _locked(registration_id)
    _check_correction_basis(reg)
    today = clock.today()
    if reg.status == S.PUBLICIZING:
        rules.check_publicity_over(
            reg.publicity_ends_on, today, reg.objections.filter(upheld__isnull=True).count()
        )
    fmt = CODE_FORMATS[policy().code_format]
    code = code or fmt.generate(reg, Registration.objects.exclude(code=None).count() + 1)
    if not fmt.validate(code) or len(code) > 64:
        raise DomainError(
            "N-REG.16", "登记结果查询码不符合编码规范", "the code does not follow the coding standard"
        )
    if Registration.objects.filter(code=code).exists():
        raise DomainError("N-REG.16", "登记结果查询码已被使用", "the code is already in use")
    _move(reg, S.CODED, actor)
    reg.code, reg.coded_at = code, clock.now()
    prev = reg.previous
    if prev is not None and reg.kind in (RegistrationKind.CHANGE, RegistrationKind.CORRECTION):
        prev = Registration.objects.select_for_update().get(pk=prev.pk)
        _move(prev, S.SUPERSEDED, actor)
        prev.closed_at = reg.coded_at
        prev.save()
        reg.valid_from, reg.expires_on = prev.valid_from, prev.expires_on  # the term runs on
    else:
        reg.valid_from, reg.expires_on = today, rules.validity_end(today)
    reg.save()
    ledger.append(actor, "catalog.registration.coded", reg, {"code": code, "expires_on": reg.expires_on})
    return reg


@transaction.atomic
def renew_registration(actor: Actor, *, registration_id: int) -> Registration:
    """Renewal in the 60 days before expiry, ≤ 3 years from the day after the old expiry (N-REG.17)."""
    reg = _locked(registration_id)
    if reg.applicant_org_id != actor.org_id or reg.status != S.CODED:
        raise NotFound("registration")
    authorize(actor, Perm.CATALOG_REGISTRATION_APPLY)
    rules.check_renewal_window(reg.expires_on, clock.today())
    old = reg.expires_on
    reg.expires_on = rules.validity_end(old + dt.timedelta(days=1))
    reg.save()
    ledger.append(actor, "catalog.registration.renewed", reg, {"from": old, "to": reg.expires_on})
    return reg


@transaction.atomic
def revoke_registration(actor: Actor, *, registration_id: int, reason: str) -> Registration:
    """撤销 for false materials, tampering or illegal use of the result (N-REG.18)."""
    authorize(actor, Perm.CATALOG_REGISTRATION_PROCESS)
    reg = _locked(registration_id)
    rules.check_reason(reason, "N-REG.18")
    _move(reg, S.REVOKED, actor)
    reg.closed_at, reg.closed_reason = clock.now(), reason.strip()
    reg.save()
    ledger.append(actor, "catalog.registration.revoked", reg, {"reason": reg.closed_reason})
    return reg


@transaction.atomic
def expire_registrations(actor: Actor) -> int:
    """A registration not renewed lapses and is cancelled (N-REG.17); run daily by the sweeper."""
    if not actor.is_system:
        authorize(actor, Perm.CATALOG_REGISTRATION_PROCESS)
    today, n = clock.today(), 0
    for reg in Registration.objects.select_for_update().filter(status=S.CODED, expires_on__lt=today):
        _move(reg, S.EXPIRED, actor)
        reg.closed_at, reg.closed_reason = clock.now(), "有效期满未续期"
        reg.save()
        ledger.append(actor, "catalog.registration.expired", reg, {"expired_on": reg.expires_on})
        n += 1
    return n


# ---------------------------------------------------------------- 更正登记 (N-REG.11)


@transaction.atomic
def request_correction(
    actor: Actor, *, registration_id: int, corrections: dict, reason: str, evidence_ref: str = ""
) -> Registration:
    """The registrant, or an interested party (利害关系人) under real name with evidence, asks the registrar
    to correct a coded record (N-REG.11). The registrant's own request is its written consent."""
    reg = Registration.objects.select_related("resource").filter(pk=registration_id, status=S.CODED).first()
    if reg is None or reg.resource is None:
        raise NotFound("registration")
    is_registrant = actor.org_id is not None and actor.org_id == reg.applicant_org_id
    if is_registrant:
        authorize(actor, Perm.CATALOG_REGISTRATION_APPLY)
    cleaned = rules.check_correction_request(
        corrections=corrections,
        reason=reason,
        is_registrant=is_registrant,
        real_name=actor.person_id is not None,
        evidence_ref=evidence_ref,
    )
    DataResource.objects.select_for_update().filter(pk=reg.resource_id).first()
    if Registration.objects.filter(resource_id=reg.resource_id, status__in=OPEN_STATUSES).exists():
        raise DomainError(
            "N-REG.6", "该资源已有办理中的登记申请", "a registration of this resource is in progress"
        )
    today = clock.today()
    fix = Registration.objects.create(
        subject_kind=reg.subject_kind,
        resource_id=reg.resource_id,
        kind=RegistrationKind.CORRECTION,
        previous=reg,
        status=S.APPLIED,
        applicant_org_id=reg.applicant_org_id,  # the registrant stays the 登记主体
        applicant_person_id=actor.person_id or 0,
        materials={"correction_reason": reason.strip(), "evidence": evidence_ref.strip()},
        evidence=reg.evidence,
        data_name=cleaned.get("data_name", reg.data_name),
        summary=cleaned.get("summary", reg.summary),
        applied_at=clock.now(),
        accept_due_on=add_workdays(today, rules.ACCEPT_WORKDAYS),  # N-REG.13
        requested_by="registrant" if is_registrant else "interested_party",
        requester_person_id=actor.person_id,
        requester_org_id=actor.org_id,
        corrections=cleaned,
        correction_reason=reason.strip(),
        correction_basis="consent" if is_registrant else "",
        correction_basis_ref="登记主体自行申请更正" if is_registrant else "",
    )
    ledger.append(
        actor,
        "catalog.correction.requested",
        fix,
        {
            "corrects": reg.pk,
            "requested_by": fix.requested_by,
            "fields": sorted(cleaned),
            "evidence": evidence_ref.strip(),
            "basis": fix.correction_basis,
            "accept_due_on": fix.accept_due_on,
        },
    )
    return fix


@transaction.atomic
def record_correction_basis(actor: Actor, *, registration_id: int, basis: str, ref: str) -> Registration:
    """The registrar records on what it corrects: the registrant's written consent or evidence that the
    record is wrong (N-REG.11). Without it the correction can be neither reviewed nor coded."""
    authorize(actor, Perm.CATALOG_REGISTRATION_PROCESS)
    reg = _locked(registration_id)
    if reg.kind != RegistrationKind.CORRECTION or reg.status not in OPEN_STATUSES:
        raise NotFound("registration")
    rules.check_correction_basis(basis, ref)
    reg.correction_basis, reg.correction_basis_ref = basis, ref.strip()
    reg.processed_by_person_id = actor.person_id
    reg.save(update_fields=["correction_basis", "correction_basis_ref", "processed_by_person_id"])
    ledger.append(
        actor, "catalog.correction.basis_recorded", reg, {"basis": basis, "ref": reg.correction_basis_ref}
    )
    return reg
