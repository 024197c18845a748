"""Use cases for resources: create, fields and their sensitivity, classification and grading, risk
assessment and approval of 重要数据, sharing consent, consistency rules, first provision, policy."""

import datetime as dt

from django.db import transaction

from shuyu import ledger
from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError, NotFound, PermissionDenied
from shuyu.core.permissions import Perm, authorize, has_perm
from shuyu.core.roles import Role
from shuyu.orgs.models import Organization, Region

from .. import rules
from ..models import (
    CatalogPolicy,
    ConsistencyRule,
    DataResource,
    GradingDecision,
    OpenAttribute,
    ResourceField,
    UpdateFrequency,
)
from ..rules import FieldSpec
from .refusals import logs_refusal


def _locked(resource_id: int) -> DataResource:
    r = DataResource.objects.select_for_update().filter(pk=resource_id).first()
    if r is None:
        raise NotFound("resource")
    return r


def _write_fields(resource: DataResource, specs: list[FieldSpec], actor: Actor) -> None:
    now = clock.now()
    ResourceField.objects.filter(resource=resource).delete()
    ResourceField.objects.bulk_create(
        [
            ResourceField(
                resource=resource,
                position=i,
                name=s.name,
                label=s.label,
                type=s.type,
                scale=s.scale,
                unit=s.unit,
                format=s.format,
                code_list=list(s.code_list),
                required=s.required or s.is_key,
                is_key=s.is_key,
                is_disclosure_unit=s.is_disclosure_unit,
                sensitivity=s.sensitivity,
                # A sensitivity declared by a person of the unit is confirmed by that person.
                sensitivity_confirmed_at=now,
                sensitivity_confirmed_by_person_id=actor.person_id or 0,
            )
            for i, s in enumerate(specs, start=1)
        ]
    )


def _fields_payload(specs: list[FieldSpec]) -> list[dict]:
    return [
        {"name": s.name, "type": s.type, "sensitivity": s.sensitivity, "unit_key": s.is_disclosure_unit}
        for s in specs
    ]


@transaction.atomic
def create_resource(
    actor: Actor,
    *,
    code: str,
    name: str,
    region_code: str,
    fields: list[FieldSpec],
    description: str = "",
    update_frequency: str = UpdateFrequency.MONTHLY,
    open_attribute: str = OpenAttribute.CONDITIONAL,
    sector: str = "",
    industry_authority_id: int | None = None,
    shared_from_id: int | None = None,
    involves_state_secrets: bool = False,
    affects_public_security: bool = False,
    legally_not_open: bool = False,
) -> DataResource:
    """A data source unit catalogs one of its resources (第七条) with its fields."""
    authorize(actor, Perm.CATALOG_RESOURCE_CREATE, org_id=actor.org_id, region_code=region_code)
    rules.check_field_specs(fields)
    if update_frequency not in UpdateFrequency.values or open_attribute not in OpenAttribute.values:
        raise DomainError("R23.1", "更新频率或开放属性取值无效", "bad update frequency or open attribute")
    if not code.strip() or DataResource.objects.filter(code=code).exists():
        raise DomainError(
            "R23.1", f"资源编码「{code}」为空或已存在", f"resource code {code!r} is empty or taken"
        )
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise DomainError("R02.1", f"未知的行政区划代码：{region_code}", f"unknown region code {region_code}")
    for org_id in (industry_authority_id, shared_from_id):
        if org_id is not None and not Organization.objects.filter(pk=org_id).exists():
            raise NotFound("organization")
    resource = DataResource.objects.create(
        code=code.strip(),
        name=name,
        provider_id=actor.org_id,
        region=region,
        description=description,
        update_frequency=update_frequency,
        open_attribute=open_attribute,
        sector=sector,
        industry_authority_id=industry_authority_id,
        shared_from_id=shared_from_id,
        involves_state_secrets=involves_state_secrets,
        affects_public_security=affects_public_security,
        legally_not_open=legally_not_open,
        created_at=clock.now(),
        created_by_person_id=actor.person_id,
    )
    _write_fields(resource, fields, actor)
    ledger.append(
        actor,
        "catalog.resource.created",
        resource,
        {
            "code": resource.code,
            "name": name,
            "provider": actor.org_id,
            "region": region_code,
            "forbidden": resource.forbidden,
            "shared_from": shared_from_id,
            "fields": _fields_payload(fields),
        },
    )
    return resource


@transaction.atomic
def define_fields(actor: Actor, *, resource_id: int, fields: list[FieldSpec]) -> DataResource:
    """Replace the fields; allowed only before the first load (a loaded schema changes by a new resource)."""
    authorize(actor, Perm.CATALOG_RESOURCE_CREATE)  # the role before the lookup: ids cannot be probed
    resource = _locked(resource_id)
    authorize(actor, Perm.CATALOG_RESOURCE_CREATE, org_id=resource.provider_id)
    rules.check_field_specs(fields)
    if resource.versions.exists():
        raise DomainError(
            "R23.1", "资源已有入库版本，不能再修改字段结构", "fields cannot change once data is loaded"
        )
    _write_fields(resource, fields, actor)
    ledger.append(actor, "catalog.fields.defined", resource, {"fields": _fields_payload(fields)})
    return resource


@transaction.atomic
def confirm_field_sensitivity(
    actor: Actor,
    *,
    resource_id: int,
    field_name: str,
    sensitivity: str,
    is_disclosure_unit: bool | None = None,
    format: str | None = None,
) -> ResourceField:
    """A person of the data source unit confirms (or corrects) a field's sensitivity, maybe a suggestion."""
    authorize(actor, Perm.CATALOG_RESOURCE_CREATE)  # the role before the lookup: ids cannot be probed
    resource = _locked(resource_id)
    authorize(actor, Perm.CATALOG_RESOURCE_CREATE, org_id=resource.provider_id)
    f = resource.fields.filter(name=field_name).first()
    if f is None:
        raise NotFound("field")
    specs = [
        FieldSpec(
            name=x.name,
            type=x.type,
            scale=x.scale,
            format=(format if format is not None else x.format) if x.pk == f.pk else x.format,
            code_list=tuple(x.code_list),
            sensitivity=sensitivity if x.pk == f.pk else x.sensitivity,
            is_disclosure_unit=(
                (is_disclosure_unit if is_disclosure_unit is not None else x.is_disclosure_unit)
                if x.pk == f.pk
                else (x.is_disclosure_unit and not is_disclosure_unit)
            ),
        )
        for x in resource.fields.all()
    ]
    rules.check_field_specs(specs)
    if is_disclosure_unit:
        resource.fields.exclude(pk=f.pk).update(is_disclosure_unit=False)
    f.sensitivity = sensitivity
    if is_disclosure_unit is not None:
        f.is_disclosure_unit = is_disclosure_unit
    if format is not None:
        f.format = format
    f.sensitivity_confirmed_at = clock.now()
    f.sensitivity_confirmed_by_person_id = actor.person_id or 0
    f.save()
    ledger.append(
        actor,
        "catalog.field.confirmed",
        resource,
        {"field": f.name, "sensitivity": sensitivity, "unit_key": f.is_disclosure_unit, "format": f.format},
    )
    return f


def _grader(actor: Actor, resource: DataResource) -> str:
    authorize(actor, Perm.CATALOG_RESOURCE_CLASSIFY)
    return rules.check_may_grade(
        rules.GraderFacts(
            actor_org_id=actor.org_id,
            provider_org_id=resource.provider_id,
            industry_authority_org_id=resource.industry_authority_id,
            actor_is_provider_role=actor.has_role(Role.DATA_SOURCE_UNIT),
            actor_is_authority_role=actor.has_role(Role.INDUSTRY_AUTHORITY),
        )
    )  # R07.1


@logs_refusal("grading")  # R07.1: classification by the wrong organization
@transaction.atomic
def classify_resource(
    actor: Actor,
    *,
    resource_id: int,
    sector: str,
    impacts: list[tuple[str, str]],
    business_attributes: list[str] = (),
    grading_factors: dict | None = None,
    general_sublevel: int | None = None,
) -> GradingDecision:
    """Classify (sector, business attributes) and grade from impact object × degree, 就高从严 (N-CLS.3/4)."""
    authorize(actor, Perm.CATALOG_RESOURCE_CLASSIFY)  # the role before the lookup: ids cannot be probed
    resource = _locked(resource_id)
    basis = _grader(actor, resource)
    level = rules.grade_for_impacts(list(impacts))
    factors = dict(grading_factors or {})
    rules.check_grading_inputs(
        sector=sector, grading_factors=factors, general_sublevel=general_sublevel, level=level
    )
    now = clock.now()
    decision = GradingDecision.objects.create(
        resource=resource,
        level=level,
        sector=sector,
        business_attributes=list(business_attributes),
        impacts=[list(p) for p in impacts],
        grading_factors=factors,
        general_sublevel=general_sublevel,
        basis=basis,
        decided_at=now,
        decided_by_person_id=actor.person_id or 0,
        decided_by_org_id=actor.org_id or 0,
    )
    changed = resource.grading_level != level
    resource.grading_level = level
    resource.sector = sector
    resource.business_attributes = list(business_attributes)
    resource.graded_at = now
    resource.graded_by_person_id = actor.person_id or 0
    resource.graded_by_org_id = actor.org_id
    if changed:
        # A new level voids an approval given for another level (N-CLS.7, N-CLS.5 re-grading).
        resource.important_approved_at = None
        resource.important_approved_by_person_id = None
    resource.save()
    ledger.append(
        actor,
        "catalog.resource.graded",
        resource,
        {
            "level": level,
            "sector": sector,
            "impacts": decision.impacts,
            "factors": factors,
            "basis": basis,
            "sublevel": general_sublevel,
        },
    )
    return decision


@transaction.atomic
def record_risk_assessment(actor: Actor, *, resource_id: int, report_ref: str) -> DataResource:
    """The grader records the data security risk assessment of 重要数据 (N-CLS.7, 数据安全法 第三十条)."""
    authorize(actor, Perm.CATALOG_RESOURCE_CLASSIFY)  # the role before the lookup: ids cannot be probed
    resource = _locked(resource_id)
    _grader(actor, resource)
    rules.check_reason(report_ref, "N-CLS.7")
    resource.risk_assessment_ref = report_ref.strip()
    resource.risk_assessment_at = clock.now()
    resource.save(update_fields=["risk_assessment_ref", "risk_assessment_at"])
    ledger.append(
        actor, "catalog.risk_assessment.recorded", resource, {"report": resource.risk_assessment_ref}
    )
    return resource


@logs_refusal("important_data")  # N-CLS.7: approval by the wrong actor
@transaction.atomic
def approve_important_data(actor: Actor, *, resource_id: int) -> DataResource:
    """The data administration approves 重要数据 for authorized operation after the risk assessment."""
    authorize(actor, Perm.CATALOG_RESOURCE_RISK_APPROVE)  # the role before the lookup: ids cannot be probed
    resource = _locked(resource_id)
    authorize(actor, Perm.CATALOG_RESOURCE_RISK_APPROVE, region_code=resource.region_id)
    if resource.grading_level != "important":
        raise DomainError("N-CLS.7", "只有重要数据需要批准", "only important data needs this approval")
    if not resource.risk_assessment_ref:
        raise DomainError("N-CLS.7", "重要数据须先有风险评估报告", "a risk assessment must be recorded first")
    resource.important_approved_at = clock.now()
    resource.important_approved_by_person_id = actor.person_id or 0
    resource.save(update_fields=["important_approved_at", "important_approved_by_person_id"])
    ledger.append(
        actor, "catalog.important_data.approved", resource, {"report": resource.risk_assessment_ref}
    )
    return resource


@transaction.atomic
def record_sharing_consent(actor: Actor, *, resource_id: int, consent_ref: str) -> DataResource:
    """The providing unit of shared data consents to its authorized operation (R05.3)."""
    # The role first: a caller without it must not learn how a resource was obtained, nor that it exists.
    authorize(actor, Perm.CATALOG_RESOURCE_CONSENT)
    resource = _locked(resource_id)
    if resource.shared_from_id is None:
        raise DomainError("R05.3", "该资源不是政务共享获得的数据", "the resource was not obtained by sharing")
    authorize(actor, Perm.CATALOG_RESOURCE_CONSENT, org_id=resource.shared_from_id)
    rules.check_reason(consent_ref, "R05.3")
    resource.sharing_consent_at = clock.now()
    resource.sharing_consent_ref = consent_ref.strip()
    resource.save(update_fields=["sharing_consent_at", "sharing_consent_ref"])
    ledger.append(actor, "catalog.sharing.consented", resource, {"consent": resource.sharing_consent_ref})
    return resource


@transaction.atomic
def add_consistency_rule(
    actor: Actor, *, resource_id: int, left: str, op: str, right: str, description: str = ""
) -> ConsistencyRule:
    authorize(actor, Perm.CATALOG_RESOURCE_INGEST)  # the role before the lookup: ids cannot be probed
    resource = _locked(resource_id)
    authorize(actor, Perm.CATALOG_RESOURCE_INGEST, org_id=resource.provider_id)
    rules.check_consistency_rule(left, op, right, set(resource.fields.values_list("name", flat=True)))
    rule = ConsistencyRule.objects.create(
        resource=resource,
        left=left,
        op=op,
        right=right,
        description=description,
        created_at=clock.now(),
        created_by_person_id=actor.person_id or 0,
    )
    ledger.append(actor, "catalog.consistency_rule.added", resource, {"rule": [left, op, right]})
    return rule


@transaction.atomic
def record_first_provision(actor: Actor, *, resource_id: int, on: dt.date) -> DataResource:
    """The day a resource is first provided in authorized operation starts N-REG.9's 20 working days.

    Called by the authorization or sandbox work when an agreement first gives access; the first call wins.
    """
    if not actor.is_system and not has_perm(actor, Perm.AUTHORIZATION_AGREEMENT_ACTIVATE):
        raise PermissionDenied("R17.1", "无权记录资源首次提供", "may not record first provision")
    resource = _locked(resource_id)
    if resource.first_provided_on is None:
        resource.first_provided_on = on
        resource.save(update_fields=["first_provided_on"])
        ledger.append(actor, "catalog.resource.first_provided", resource, {"on": on})
    return resource


@transaction.atomic
def record_pre_existing_operation(actor: Actor, *, resource_id: int) -> DataResource:
    """Flag a resource already operated before the 办法 took effect (R32.1): its first registration was due
    30 working days after 2025-03-01 (N-REG.9)."""
    if not actor.is_system and not has_perm(actor, Perm.AUTHORIZATION_AGREEMENT_ACTIVATE):
        raise PermissionDenied("R32.1", "无权记录存量授权运营", "may not record a pre-existing operation")
    resource = _locked(resource_id)
    if not resource.pre_existing_operation:
        resource.pre_existing_operation = True
        resource.save(update_fields=["pre_existing_operation"])
        ledger.append(actor, "catalog.resource.pre_existing_recorded", resource, {})
    return resource


def policy() -> CatalogPolicy:
    return CatalogPolicy.objects.filter(pk=1).first() or CatalogPolicy(pk=1)


@transaction.atomic
def set_catalog_policy(
    actor: Actor,
    *,
    code_before_use: bool | None = None,
    code_format: str | None = None,
    change_registration_workdays: int | None = None,
) -> CatalogPolicy:
    """The data administration sets N-REG.9's stricter switch and the registration code format."""
    from .registration import CODE_FORMATS

    authorize(actor, Perm.CATALOG_POLICY_SET)
    p, _ = CatalogPolicy.objects.select_for_update().get_or_create(pk=1)
    if code_format is not None:
        if code_format not in CODE_FORMATS:
            raise DomainError(
                "N-REG.16", f"未知的登记码格式：{code_format}", f"unknown code format {code_format}"
            )
        p.code_format = code_format
    if code_before_use is not None:
        p.code_before_use = code_before_use
    if change_registration_workdays is not None:
        if not 1 <= change_registration_workdays <= 250:
            raise DomainError(
                "N-REG.10",
                "变更登记期限须为1至250个工作日",
                "the change deadline must be 1 to 250 working days",
            )
        p.change_registration_workdays = change_registration_workdays
    p.updated_at = clock.now()
    p.updated_by_person_id = actor.person_id
    p.save()
    ledger.append(
        actor,
        "catalog.policy.set",
        ("catalog.policy", 1),
        {
            "code_before_use": p.code_before_use,
            "code_format": p.code_format,
            "change_registration_workdays": p.change_registration_workdays,
        },
    )
    return p
