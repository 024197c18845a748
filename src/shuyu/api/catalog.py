"""API routes for the catalog: resources, grading, loading into the vault, quality, registration, and the
public catalog (metadata only). No route returns a data value (R04.1): quality is counts, errors name the
row, column and rule."""

import datetime as dt
import tempfile
from pathlib import Path

from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from shuyu.catalog import export, selectors, services, vault
from shuyu.catalog.rules import FieldSpec

from .auth import public
from .schemas import ErrorOut

router = Router(tags=["catalog"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# ---------------------------------------------------------------- schemas


class FieldIn(Schema):
    name: str
    label: str = ""
    type: str = "string"
    unit: str = ""
    scale: int = 2
    format: str = ""
    code_list: list[str] = []
    required: bool = False
    is_key: bool = False
    is_disclosure_unit: bool = False
    sensitivity: str = "none"

    def spec(self) -> FieldSpec:
        return FieldSpec(**(self.dict() | {"code_list": tuple(self.code_list)}))


class ResourceIn(Schema):
    code: str
    name: str
    region_code: str
    fields: list[FieldIn]
    description: str = ""
    update_frequency: str = "monthly"
    open_attribute: str = "conditional"
    sector: str = ""
    industry_authority_id: int | None = None
    shared_from_id: int | None = None
    involves_state_secrets: bool = False
    affects_public_security: bool = False
    legally_not_open: bool = False


class FieldOut(Schema):
    name: str
    label: str
    type: str
    unit: str
    format: str
    is_key: bool
    is_disclosure_unit: bool
    sensitivity: str
    sensitivity_confirmed_at: dt.datetime | None


class VersionOut(Schema):
    id: int
    number: int
    mode: str
    row_count: int
    manifest_sha256: str
    source_format: str
    source_encoding: str
    loaded_at: dt.datetime


class QualityOut(Schema):
    version: int
    computed_at: dt.datetime
    completeness: float
    validity: float
    uniqueness: float
    timeliness: float
    consistency: float
    score: float
    details: dict  # counts per field and rule, never values


class ResourceOut(Schema):
    id: int
    code: str
    name: str
    provider_id: int
    region_id: str
    description: str
    update_frequency: str
    open_attribute: str
    sector: str
    grading_level: str
    graded_at: dt.datetime | None
    forbidden: bool
    shared_from_id: int | None
    sharing_consent_at: dt.datetime | None
    risk_assessment_ref: str
    important_approved_at: dt.datetime | None
    first_provided_on: dt.date | None
    pre_existing_operation: bool
    registration_due_on: dt.date | None  # N-REG.9 (with the R32.1 transitional date)
    registration_overdue: bool
    registration_code: str | None
    fields: list[FieldOut]


class FieldSuggestionOut(Schema):
    field: str
    label: str
    sensitivity: str
    confirmed: bool
    suggested: str
    format: str
    type: str
    is_disclosure_unit: bool
    sampled: int
    passed: int
    share: float
    reason_zh: str
    reason_en: str


class SuggestionsOut(Schema):
    resource_id: int
    version: int
    rows: int
    fields: list[FieldSuggestionOut]


class ClassifyIn(Schema):
    sector: str
    impacts: list[tuple[str, str]]
    business_attributes: list[str] = []
    grading_factors: dict[str, str] = {}
    general_sublevel: int | None = None


class GradingOut(Schema):
    id: int
    level: str
    basis: str
    decided_at: dt.datetime


class RefIn(Schema):
    ref: str


class ConfirmIn(Schema):
    sensitivity: str
    is_disclosure_unit: bool | None = None
    format: str | None = None


class RuleIn(Schema):
    left: str
    op: str
    right: str
    description: str = ""


class ApplyIn(Schema):
    resource_id: int
    kind: str = "first"
    materials: dict[str, str]
    evidence_id: int | None = None


class RegistrationOut(Schema):
    id: int
    resource_id: int | None
    kind: str
    status: str
    data_name: str
    applicant_org_id: int
    accept_due_on: dt.date | None
    review_due_on: dt.date | None
    publicity_starts_on: dt.date | None
    publicity_ends_on: dt.date | None
    supplement_notice: list[str]
    not_accepted_reason: str
    code: str | None
    valid_from: dt.date | None
    expires_on: dt.date | None
    requested_by: str
    corrections: dict
    correction_basis: str


class CorrectionIn(Schema):
    corrections: dict[str, str]
    reason: str
    evidence_ref: str = ""


class BasisIn(Schema):
    basis: str  # consent | evidence
    ref: str


class ChangeAlertOut(Schema):
    resource_id: int
    resource_code: str
    resource_name: str
    registration_id: int
    registration_code: str
    version_number: int
    changed_on: dt.date
    due_on: dt.date
    overdue: bool


class ItemsIn(Schema):
    items: list[str]


class MaterialsIn(Schema):
    materials: dict[str, str]


class ReasonIn(Schema):
    reason: str


class CodeIn(Schema):
    code: str | None = None


class ObjectionIn(Schema):
    reason: str
    evidence_ref: str


class DecideIn(Schema):
    upheld: bool
    note: str


class IdOut(Schema):
    id: int


class DepositOut(Schema):
    id: int
    manifest_sha256: str
    ledger_seq: int


class DeadlineOut(Schema):
    registration_id: int
    data_name: str
    step: str
    due_on: dt.date
    overdue: bool


class NoticeOut(Schema):
    """N-REG.15: the four public fields, and nothing else."""

    id: int
    registrant: str
    kind: str
    data_name: str
    summary: str
    publicity_ends_on: dt.date | None


class PolicyIn(Schema):
    code_before_use: bool | None = None
    code_format: str | None = None
    change_registration_workdays: int | None = None


class PolicyOut(Schema):
    code_before_use: bool
    code_format: str
    change_registration_workdays: int


def _resource_out(r) -> dict:
    return {
        **{k: getattr(r, k) for k in ResourceOut.model_fields if hasattr(r, k) and k != "fields"},
        "forbidden": r.forbidden,
        "registration_code": selectors.registration_code(r),
        "registration_due_on": (facts := selectors.facts_of(r)).registration_due_on,
        "registration_overdue": facts.registration_overdue,
        "fields": list(r.fields.all()),
    }


def _quality_out(q) -> dict:
    return {
        "version": q.version.number,
        **{
            k: getattr(q, k)
            for k in (
                "computed_at",
                "completeness",
                "validity",
                "uniqueness",
                "timeliness",
                "consistency",
                "score",
                "details",
            )
        },
    }


# ---------------------------------------------------------------- public (no login)


@router.get("/public", auth=public, response={200: list[dict]})
def public_catalog(request):
    """公共数据资源目录（仅元数据）/ the public catalog, metadata only."""
    return [export.public_summary(r) for r in selectors.public_resources()]


@router.get("/public.jsonld", auth=public)
def public_catalog_jsonld(request):
    """DCAT-AP 风格 JSON-LD 导出 / DCAT-AP-style JSON-LD export of the public catalog."""
    from django.http import JsonResponse

    body = export.dcat_catalog(request.build_absolute_uri("/").rstrip("/"))
    return JsonResponse(body, content_type="application/ld+json", json_dumps_params={"ensure_ascii": False})


@router.get("/public/{code}", auth=public, response={200: dict, 404: ErrorOut})
def public_resource(request, code: str):
    return export.public_summary(selectors.get_public_resource(code))


@router.get("/notices", auth=public, response={200: list[NoticeOut]})
def notices(request):
    """登记公示（四项公开信息）/ registrations under public notice (N-REG.15)."""
    return [
        {
            "id": n.pk,
            "registrant": n.applicant_org.name,
            "kind": n.get_kind_display(),
            "data_name": n.data_name,
            "summary": n.summary,
            "publicity_ends_on": n.publicity_ends_on,
        }
        for n in selectors.public_notices()
    ]


@router.post("/notices/{registration_id}/objections", response={201: IdOut, **ERRORS})
def object_to(request, registration_id: int, payload: ObjectionIn):
    """实名提出异议 / a real-name objection during the notice."""
    o = services.file_objection(request.actor, registration_id=registration_id, **payload.dict())
    return Status(201, {"id": o.pk})


# ---------------------------------------------------------------- resources


@router.get("/resources", response={200: list[ResourceOut], **ERRORS})
def list_resources(request):
    return [
        _resource_out(r)
        for r in selectors.visible_to(request.actor).prefetch_related("fields", "registrations")
    ]


@router.post("/resources", response={201: ResourceOut, **ERRORS})
def create_resource(request, payload: ResourceIn):
    data = payload.dict()
    data["fields"] = [f.spec() for f in payload.fields]
    return Status(201, _resource_out(services.create_resource(request.actor, **data)))


@router.get("/resources/{resource_id}", response={200: ResourceOut, **ERRORS})
def get_resource(request, resource_id: int):
    return _resource_out(selectors.get_resource_for(request.actor, resource_id))


@router.post("/resources/{resource_id}/classify", response={201: GradingOut, **ERRORS})
def classify(request, resource_id: int, payload: ClassifyIn):
    return Status(201, services.classify_resource(request.actor, resource_id=resource_id, **payload.dict()))


@router.post("/resources/{resource_id}/risk-assessment", response={200: IdOut, **ERRORS})
def risk_assessment(request, resource_id: int, payload: RefIn):
    return services.record_risk_assessment(request.actor, resource_id=resource_id, report_ref=payload.ref)


@router.post("/resources/{resource_id}/approve-important", response={200: IdOut, **ERRORS})
def approve_important(request, resource_id: int):
    return services.approve_important_data(request.actor, resource_id=resource_id)


@router.post("/resources/{resource_id}/pre-existing", response={200: ResourceOut, **ERRORS})
def pre_existing(request, resource_id: int):
    """办法施行前已开展运营（R32.1）：首次登记期限为2025-03-01后30个工作日 / pre-existing operation."""
    return _resource_out(services.record_pre_existing_operation(request.actor, resource_id=resource_id))


@router.post("/resources/{resource_id}/consent", response={200: IdOut, **ERRORS})
def consent(request, resource_id: int, payload: RefIn):
    return services.record_sharing_consent(request.actor, resource_id=resource_id, consent_ref=payload.ref)


@router.post("/resources/{resource_id}/fields/{name}/confirm", response={200: FieldOut, **ERRORS})
def confirm_field(request, resource_id: int, name: str, payload: ConfirmIn):
    return services.confirm_field_sensitivity(
        request.actor, resource_id=resource_id, field_name=name, **payload.dict()
    )


@router.post("/resources/{resource_id}/suggestions", response={201: SuggestionsOut, **ERRORS})
def suggest(request, resource_id: int):
    """抽样建议字段敏感性（计数与比例，不含任何值，R07.1）/ sensitivity suggestions from a vault sample:
    counts and shares only; a person of the data source unit confirms through `fields/{name}/confirm`."""
    return Status(201, services.suggest_field_sensitivity(request.actor, resource_id=resource_id))


@router.post("/resources/{resource_id}/rules", response={201: IdOut, **ERRORS})
def add_rule(request, resource_id: int, payload: RuleIn):
    return Status(
        201, services.add_consistency_rule(request.actor, resource_id=resource_id, **payload.dict())
    )


@router.post("/resources/{resource_id}/ingest", response={201: VersionOut, **ERRORS})
def ingest(
    request,
    resource_id: int,
    file: File[UploadedFile],
    mode: Form[str] = "full",
    encoding: Form[str | None] = None,
):
    """上传文件入库（CSV/xlsx/Parquet）/ upload a file into the vault as a new version."""
    selectors.get_resource_for(request.actor, resource_id)  # 404 before reading an upload for nothing
    suffix = Path(file.name or "upload.csv").suffix[:10]
    tmpdir = vault.root() / ".tmp"
    tmpdir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=tmpdir, suffix=suffix) as tmp:
        for chunk in file.chunks():
            tmp.write(chunk)
        tmp.flush()
        version = services.ingest_file(
            request.actor,
            resource_id=resource_id,
            path=tmp.name,
            mode=mode,
            encoding=encoding or None,
            source_name=Path(file.name or "upload").name,
        )
    return Status(201, version)


@router.get("/resources/{resource_id}/versions", response={200: list[VersionOut], **ERRORS})
def versions(request, resource_id: int):
    return list(selectors.get_resource_for(request.actor, resource_id).versions.order_by("number"))


@router.get("/resources/{resource_id}/quality", response={200: QualityOut, **ERRORS})
def quality(request, resource_id: int):
    """最新版本质量（计数与比率，不含数据）/ latest quality: counts and ratios, never values."""
    from shuyu.core.errors import NotFound

    q = selectors.latest_quality(selectors.get_resource_for(request.actor, resource_id))
    if q is None:
        raise NotFound("quality")
    return _quality_out(q)


@router.post("/versions/{version_id}/quality", response={201: QualityOut, **ERRORS})
def measure(request, version_id: int):
    return Status(201, _quality_out(services.assess_quality(request.actor, version_id=version_id)))


@router.post("/resources/{resource_id}/evidence", response={201: DepositOut, **ERRORS})
def deposit(request, resource_id: int):
    return Status(201, services.deposit_evidence(request.actor, resource_id=resource_id))


# ---------------------------------------------------------------- registration


@router.get("/registrations", response={200: list[RegistrationOut], **ERRORS})
def registrations(request):
    return list(selectors.registrations_visible_to(request.actor))


@router.post("/registrations", response={201: RegistrationOut, **ERRORS})
def apply(request, payload: ApplyIn):
    return Status(201, services.apply_registration(request.actor, **payload.dict()))


@router.get("/registrations/{registration_id}", response={200: RegistrationOut, **ERRORS})
def registration(request, registration_id: int):
    return selectors.get_registration_for(request.actor, registration_id)


@router.post("/registrations/{registration_id}/accept", response={200: RegistrationOut, **ERRORS})
def accept(request, registration_id: int):
    return services.accept_registration(request.actor, registration_id=registration_id)


@router.post("/registrations/{registration_id}/supplement", response={200: RegistrationOut, **ERRORS})
def supplement(request, registration_id: int, payload: ItemsIn):
    return services.request_supplement(request.actor, registration_id=registration_id, items=payload.items)


@router.post("/registrations/{registration_id}/resubmit", response={200: RegistrationOut, **ERRORS})
def resubmit(request, registration_id: int, payload: MaterialsIn):
    return services.resubmit_registration(
        request.actor, registration_id=registration_id, materials=payload.materials
    )


@router.post("/registrations/{registration_id}/reject", response={200: RegistrationOut, **ERRORS})
def reject(request, registration_id: int, payload: ReasonIn):
    return services.reject_registration(request.actor, registration_id=registration_id, reason=payload.reason)


@router.post("/registrations/{registration_id}/review", response={200: RegistrationOut, **ERRORS})
def review(request, registration_id: int):
    return services.complete_review(request.actor, registration_id=registration_id)


@router.post("/registrations/{registration_id}/code", response={200: RegistrationOut, **ERRORS})
def code(request, registration_id: int, payload: CodeIn):
    return services.issue_code(request.actor, registration_id=registration_id, code=payload.code)


@router.post("/registrations/{registration_id}/renew", response={200: RegistrationOut, **ERRORS})
def renew(request, registration_id: int):
    return services.renew_registration(request.actor, registration_id=registration_id)


@router.post("/registrations/{registration_id}/revoke", response={200: RegistrationOut, **ERRORS})
def revoke(request, registration_id: int, payload: ReasonIn):
    return services.revoke_registration(request.actor, registration_id=registration_id, reason=payload.reason)


@router.post("/registrations/{registration_id}/corrections", response={201: RegistrationOut, **ERRORS})
def request_correction(request, registration_id: int, payload: CorrectionIn):
    """更正登记申请：登记主体或利害关系人（实名、附证明材料）/ request a correction (N-REG.11)."""
    return Status(
        201, services.request_correction(request.actor, registration_id=registration_id, **payload.dict())
    )


@router.post("/registrations/{registration_id}/correction-basis", response={200: RegistrationOut, **ERRORS})
def correction_basis(request, registration_id: int, payload: BasisIn):
    """登记机构记录更正依据：书面同意或错误证明 / the registrar records its basis (N-REG.11)."""
    return services.record_correction_basis(request.actor, registration_id=registration_id, **payload.dict())


@router.get("/change-alerts", response={200: list[ChangeAlertOut], **ERRORS})
def change_alerts(request):
    """登记后数据变化、待申请变更登记 / manifest changed after registration (N-REG.10)."""
    return selectors.change_registration_alerts(request.actor)


@router.post("/objections/{objection_id}/decide", response={200: IdOut, **ERRORS})
def decide(request, objection_id: int, payload: DecideIn):
    return services.decide_objection(request.actor, objection_id=objection_id, **payload.dict())


@router.get("/deadlines", response={200: list[DeadlineOut], **ERRORS})
def deadlines(request):
    """登记办理期限（按工作日）/ registration deadlines in working days, for the agency's dashboard."""
    return selectors.registration_deadlines(request.actor)


@router.put("/policy", response={200: PolicyOut, **ERRORS})
def set_policy(request, payload: PolicyIn):
    return services.set_catalog_policy(request.actor, **payload.dict())
