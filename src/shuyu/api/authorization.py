"""API routes for the authorization workflow (第八条–第十六条): designations, plans, selections, agreements,
filing deadlines, and the public list of authorizations. Each handler parses, calls one service or
selector, and renders; refusals are mapped once in api/main.py."""

import datetime as dt
from decimal import Decimal

from ninja import Router, Schema, Status
from pydantic import Field

from shuyu.authorization import rules, selectors, services

from .auth import public
from .schemas import ErrorOut

router = Router(tags=["authorization"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- schemas ---------------------------------------------------------------------------------------------


class ProductIn(Schema):
    name: str
    product_class: str = Field(description="public_governance | industry_development（第十一条（七））")
    form: str = Field(description="data_product | api_service | model | report | application | other")
    description: str = ""
    technical_standard: str = ""
    security_review: str = ""
    business_review: str = ""


class PlanIn(Schema):
    """The 12 items of 第十一条 (R11.1) and the 5 feasibility parts of 第十二条 (R12.1)."""

    name: str = ""
    necessity: str = ""
    feasibility: dict[str, str] = Field(default_factory=dict, description=", ".join(rules.FEASIBILITY_KEYS))
    operator_conditions: dict[str, str] = Field(
        default_factory=dict, description=", ".join(rules.OPERATOR_CONDITION_KEYS)
    )
    mode: str = "whole"
    scenario: str = ""
    resource_ids: list[int] = Field(default_factory=list)
    update_frequency: str = ""
    data_quality: str = ""
    term_years: int | None = None
    construction: str = ""
    technical_support: str = ""
    schedule: str = ""
    evaluation_standard: str = ""
    exit_mechanism: str = ""
    asset_management: str = ""
    products: list[ProductIn] = Field(default_factory=list)
    accounting_mechanism: str = ""
    revenue_distribution: str = ""
    data_security: str = ""
    personal_info_protection: str = ""
    emergency_response: str = ""
    rights_obligations: str = ""
    supervision_evaluation: str = ""
    other_matters: str = ""
    priority_fields: list[str] = Field(default_factory=list)
    change_summary: str = ""

    def to_draft(self) -> services.PlanDraft:
        data = self.model_dump(include=set(PlanIn.model_fields))
        data["resource_ids"] = tuple(data["resource_ids"])
        data["products"] = tuple(rules.ProductItem(**p) for p in data["products"])
        data["priority_fields"] = tuple(data["priority_fields"])
        return services.PlanDraft(**data)


class PlanCreateIn(PlanIn):
    authorizer_type: str = "government"


class FilingOut(Schema):
    due_on: dt.date
    filed_on: dt.date | None
    overdue: bool
    days_left: int | None


class PlanVersionOut(Schema):
    id: int
    plan_id: int
    number: int
    status: str
    status_label: str
    region_code: str
    agency_id: int
    agency_name: str
    authorizer_type: str
    content: PlanIn
    missing_items: list[str]
    submitted_at: dt.datetime | None
    approval_meeting: str
    approval_decision_ref: str
    approved_on: dt.date | None
    return_reason: str
    filing: FilingOut | None


class PlanOut(Schema):
    id: int
    region_code: str
    agency_name: str
    authorizer_type: str
    latest_version_id: int
    latest_status: str
    current_version_id: int | None
    name: str


class DecisionIn(Schema):
    """A 三重一大 collective decision: meeting, decision reference, date (R13.1, R15.1)."""

    meeting: str
    decision_ref: str
    meeting_on: dt.date


class ReturnIn(DecisionIn):
    reason: str


class AmendIn(Schema):
    field_name: str
    new_value: str
    reason: str


class ReviseIn(Schema):
    change_summary: str


class DesignationIn(Schema):
    agency_org_id: int
    decision_ref: str
    designated_on: dt.date


class DesignationOut(Schema):
    id: int
    region_code: str
    agency_id: int
    agency_name: str
    government_id: int
    decision_ref: str
    designated_on: dt.date
    filed: bool
    revoked: bool


class SelectionIn(Schema):
    plan_id: int
    method: str = Field(description="public_tender | invited_tender | negotiation")
    title: str


class ConsultationIn(Schema):
    parties: str
    consulted_on: dt.date
    comments: str
    response: str = ""


class ConsultationOut(Schema):
    id: int
    parties: str
    consulted_on: dt.date
    comments: str
    response: str


class CandidateIn(Schema):
    operator_org_id: int
    conditions_met: dict[str, bool]
    data_security_compliant: bool
    evidence: str = ""


class CandidateOut(Schema):
    id: int
    operator_id: int
    operator_name: str
    conditions_met: dict[str, bool]
    data_security_compliant: bool
    score: Decimal | None
    score_notes: str


class ScoreIn(Schema):
    score: Decimal
    notes: str = ""


class DecideIn(Schema):
    winner_candidate_id: int
    decision_ref: str
    decided_on: dt.date | None = None


class ReasonIn(Schema):
    reason: str


class SelectionOut(Schema):
    id: int
    plan_id: int
    plan_version_id: int
    title: str
    method: str
    method_label: str
    status: str
    status_label: str
    winner_operator_id: int | None
    decided_on: dt.date | None
    decision_ref: str
    consultations: list[ConsultationOut]
    candidates: list[CandidateOut]


class AgreementIn(Schema):
    """The 13 items of 第十六条 and the no-re-development clause (R16.1, N-SPEC.1)."""

    selection_id: int
    title: str
    resource_ids: list[int]
    starts_on: dt.date
    ends_on: dt.date
    products: list[ProductIn]
    technical_platform: str = ""
    asset_ownership: str = ""
    disclosure_duties: str = ""
    accounting_revenue: str = ""
    security_measures: str = ""
    evaluation_renewal_exit: str = ""
    liability: str = ""
    dispute_resolution: str = ""
    change_termination: str = ""
    other_matters: str = ""
    no_redevelopment_clause: bool = False
    mode: str = "whole"
    scenario: str = ""
    # R19.1: {resource id: [field, …]}; a resource not listed is granted every catalogued field
    field_grants: dict[int, list[str]] = Field(default_factory=dict)

    def to_draft(self) -> services.AgreementDraft:
        data = self.model_dump()
        data.pop("selection_id")
        data["resource_ids"] = tuple(data["resource_ids"])
        data["field_grants"] = rules.normalize_field_grants(data["field_grants"])
        data["products"] = tuple(rules.ProductItem(**p) for p in data["products"])
        return services.AgreementDraft(**data)


class SignIn(Schema):
    review_meeting: str
    review_decision_ref: str
    reviewed_on: dt.date
    signed_on: dt.date | None = None


class AgreementOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    plan_id: int
    plan_version_id: int
    selection_id: int
    region_code: str
    agency_id: int
    agency_name: str
    operator_id: int
    operator_name: str
    mode: str
    scenario: str
    resource_ids: list[int]
    field_grants: dict[int, list[str]]
    starts_on: dt.date
    ends_on: dt.date
    products: list[ProductIn]
    technical_platform: str
    asset_ownership: str
    disclosure_duties: str
    no_redevelopment_clause: bool
    accounting_revenue: str
    security_measures: str
    evaluation_renewal_exit: str
    liability: str
    dispute_resolution: str
    change_termination: str
    other_matters: str
    review_meeting: str
    review_decision_ref: str
    reviewed_on: dt.date | None
    signed_on: dt.date | None
    cosigned_org_ids: list[int]
    filing: FilingOut | None
    status_reason: str


class DeadlineOut(Schema):
    kind: str
    kind_label: str
    subject_id: int
    plan_id: int | None
    title: str
    region_code: str
    responsible: str
    event_on: dt.date | None
    due_on: dt.date
    filed_on: dt.date | None
    overdue: bool
    days_left: int | None


class PublicAuthorizationOut(Schema):
    agreement_id: int
    title: str
    operator_name: str
    operator_uscc: str
    agency_name: str
    region_code: str
    region_name: str
    mode: str
    mode_label: str
    scenario: str
    resource_names: list[str]
    starts_on: dt.date
    ends_on: dt.date


# --- rendering -------------------------------------------------------------------------------------------


def _filing(state) -> dict | None:
    if state is None:
        return None
    return {
        "due_on": state.due_on,
        "filed_on": state.filed_on,
        "overdue": state.overdue,
        "days_left": state.days_left,
    }


_CONTENT_FIELDS = [f for f in PlanIn.model_fields if f not in ("resource_ids",)]


def _version_out(v) -> dict:
    view = selectors.plan_status(v)
    content = {f: getattr(v, f) for f in _CONTENT_FIELDS}
    content["resource_ids"] = sorted(v.resource_ids)
    content["products"] = v.products or []
    content["term_years"] = v.term_years
    return {
        "id": v.pk,
        "plan_id": v.plan_id,
        "number": v.number,
        "status": v.status,
        "status_label": view.status_label,
        "region_code": v.plan.region_id,
        "agency_id": v.plan.agency_id,
        "agency_name": v.plan.agency.name,
        "authorizer_type": v.plan.authorizer_type,
        "content": content,
        "missing_items": view.missing_items,
        "submitted_at": v.submitted_at,
        "approval_meeting": v.approval_meeting,
        "approval_decision_ref": v.approval_decision_ref,
        "approved_on": v.approved_on,
        "return_reason": v.return_reason,
        "filing": _filing(view.filing),
    }


def _plan_out(p) -> dict:
    latest = selectors.latest_version(p)
    current = selectors.current_version(p)
    return {
        "id": p.pk,
        "region_code": p.region_id,
        "agency_name": p.agency.name,
        "authorizer_type": p.authorizer_type,
        "latest_version_id": latest.pk,
        "latest_status": latest.status,
        "current_version_id": current.pk if current else None,
        "name": (current or latest).name,
    }


def _designation_out(d) -> dict:
    return {
        "id": d.pk,
        "region_code": d.region_id,
        "agency_id": d.agency_id,
        "agency_name": d.agency.name,
        "government_id": d.government_id,
        "decision_ref": d.decision_ref,
        "designated_on": d.designated_on,
        "filed": d.filed_at is not None,
        "revoked": d.revoked_at is not None,
    }


def _selection_out(s) -> dict:
    return {
        "id": s.pk,
        "plan_id": s.plan_id,
        "plan_version_id": s.plan_version_id,
        "title": s.title,
        "method": s.method,
        "method_label": rules.SELECTION_METHOD_LABELS[rules.SelectionMethod(s.method)],
        "status": s.status,
        "status_label": rules.SELECTION_STATUS_LABELS[rules.SelectionStatus(s.status)],
        "winner_operator_id": s.winner.operator_id if s.winner_id else None,
        "decided_on": s.decided_on,
        "decision_ref": s.decision_ref,
        "consultations": [
            {
                "id": c.pk,
                "parties": c.parties,
                "consulted_on": c.consulted_on,
                "comments": c.comments,
                "response": c.response,
            }
            for c in s.consultations.all()
        ],
        "candidates": [_candidate_out(c) for c in s.candidates.select_related("operator")],
    }


def _candidate_out(c) -> dict:
    return {
        "id": c.pk,
        "operator_id": c.operator_id,
        "operator_name": c.operator.name,
        "conditions_met": c.conditions_met,
        "data_security_compliant": c.data_security_compliant,
        "score": c.score,
        "score_notes": c.score_notes,
    }


_AGREEMENT_PLAIN = [
    "title", "status", "plan_id", "plan_version_id", "selection_id", "agency_id", "operator_id", "mode", "scenario",
    "starts_on", "ends_on", "products", "technical_platform", "asset_ownership", "disclosure_duties",
    "no_redevelopment_clause", "accounting_revenue", "security_measures", "evaluation_renewal_exit", "liability",
    "dispute_resolution", "change_termination", "other_matters", "review_meeting", "review_decision_ref",
    "reviewed_on", "signed_on", "status_reason",
]  # fmt: skip


def _agreement_out(a) -> dict:
    return {
        "id": a.pk,
        **{f: getattr(a, f) for f in _AGREEMENT_PLAIN},
        "status_label": rules.AGREEMENT_STATUS_LABELS[rules.AgreementStatus(a.status)],
        "region_code": a.region_id,
        "agency_name": a.agency.name,
        "operator_name": a.operator.name,
        "resource_ids": sorted(a.resource_ids),
        "field_grants": a.field_grants,
        "cosigned_org_ids": sorted(a.cosignatures.values_list("org_id", flat=True)),
        "filing": _filing(selectors.filing_of_agreement(a)),
    }


# --- designations (R08.1) --------------------------------------------------------------------------------


@router.get("/designations", response={200: list[DesignationOut], **ERRORS})
def list_designations(request):
    """实施机构确定记录 visible to the caller."""
    return [_designation_out(d) for d in selectors.designations_visible_to(request.actor)]


@router.post("/designations", response={201: DesignationOut, **ERRORS})
def designate_agency(request, payload: DesignationIn):
    """市（州）人民政府确定本级实施机构 (R08.1)."""
    d = services.designate_agency(request.actor, **payload.model_dump())
    return Status(201, _designation_out(d))


@router.post("/designations/{designation_id}/file", response={200: DesignationOut, **ERRORS})
def file_designation(request, designation_id: int):
    """省级数据管理部门接收备案 (R08.1)."""
    return _designation_out(services.file_designation(request.actor, designation_id=designation_id))


# --- plans (R11.1–R13.2) ---------------------------------------------------------------------------------


@router.get("/plans", response={200: list[PlanOut], **ERRORS})
def list_plans(request):
    return [_plan_out(p) for p in selectors.plans_visible_to(request.actor)]


@router.post("/plans", response={201: PlanVersionOut, **ERRORS})
def create_plan(request, payload: PlanCreateIn):
    """编制实施方案 (第十一条): creates the plan and its first draft version."""
    v = services.create_plan(request.actor, draft=payload.to_draft(), authorizer_type=payload.authorizer_type)
    return Status(201, _version_out(v))


@router.get("/plans/{plan_id}", response={200: list[PlanVersionOut], **ERRORS})
def plan_versions(request, plan_id: int):
    """All versions of a plan, oldest first."""
    return [_version_out(v) for v in selectors.plan_versions(request.actor, plan_id)]


@router.get("/plan-versions/{version_id}", response={200: PlanVersionOut, **ERRORS})
def get_plan_version(request, version_id: int):
    return _version_out(selectors.get_version_for(request.actor, version_id))


@router.put("/plan-versions/{version_id}", response={200: PlanVersionOut, **ERRORS})
def update_plan(request, version_id: int, payload: PlanIn):
    return _version_out(services.update_plan(request.actor, version_id=version_id, draft=payload.to_draft()))


@router.post("/plan-versions/{version_id}/submit", response={200: PlanVersionOut, **ERRORS})
def submit_plan(request, version_id: int):
    """报本级人民政府审议 (R11.1, R12.1)."""
    return _version_out(services.submit_plan(request.actor, version_id=version_id))


@router.post("/plan-versions/{version_id}/approve", response={200: PlanVersionOut, **ERRORS})
def approve_plan(request, version_id: int, payload: DecisionIn):
    """本级人民政府“三重一大”审议通过 (R13.1)."""
    return _version_out(services.approve_plan(request.actor, version_id=version_id, **payload.model_dump()))


@router.post("/plan-versions/{version_id}/return", response={200: PlanVersionOut, **ERRORS})
def return_plan(request, version_id: int, payload: ReturnIn):
    return _version_out(services.return_plan(request.actor, version_id=version_id, **payload.model_dump()))


@router.post("/plan-versions/{version_id}/file", response={200: PlanVersionOut, **ERRORS})
def file_plan(request, version_id: int):
    """向省级数据管理部门备案 (R13.2); late filing is accepted and flagged."""
    return _version_out(services.file_plan(request.actor, version_id=version_id))


@router.post("/plan-versions/{version_id}/amendments", response={201: PlanVersionOut, **ERRORS})
def amend_plan(request, version_id: int, payload: AmendIn):
    """一般修正 of an approved version (R13.1)."""
    a = services.amend_plan(request.actor, version_id=version_id, **payload.model_dump())
    return Status(201, _version_out(a.version))


@router.post("/plan-versions/{version_id}/revise", response={201: PlanVersionOut, **ERRORS})
def revise_plan(request, version_id: int, payload: ReviseIn):
    """较大变更: a new draft version that needs approval again (R13.1)."""
    return Status(
        201, _version_out(services.revise_plan(request.actor, version_id=version_id, **payload.model_dump()))
    )


# --- selections (R14.1, R14.2, N-SPEC.3) ------------------------------------------------------------------


@router.get("/selections", response={200: list[SelectionOut], **ERRORS})
def list_selections(request):
    return [_selection_out(s) for s in selectors.selections_visible_to(request.actor)]


@router.get("/selections/{selection_id}", response={200: SelectionOut, **ERRORS})
def get_selection(request, selection_id: int):
    return _selection_out(selectors.get_selection_for(request.actor, selection_id))


@router.post("/selections", response={201: SelectionOut, **ERRORS})
def start_selection(request, payload: SelectionIn):
    return Status(201, _selection_out(services.start_selection(request.actor, **payload.model_dump())))


@router.post("/selections/{selection_id}/consultations", response={201: SelectionOut, **ERRORS})
def record_consultation(request, selection_id: int, payload: ConsultationIn):
    c = services.record_consultation(request.actor, selection_id=selection_id, **payload.model_dump())
    return Status(201, _selection_out(c.selection))


@router.post("/selections/{selection_id}/open", response={200: SelectionOut, **ERRORS})
def open_selection(request, selection_id: int):
    return _selection_out(services.open_selection(request.actor, selection_id=selection_id))


@router.post("/selections/{selection_id}/candidates", response={201: CandidateOut, **ERRORS})
def add_candidate(request, selection_id: int, payload: CandidateIn):
    return Status(
        201,
        _candidate_out(
            services.add_candidate(request.actor, selection_id=selection_id, **payload.model_dump())
        ),
    )


@router.post("/candidates/{candidate_id}/score", response={200: CandidateOut, **ERRORS})
def score_candidate(request, candidate_id: int, payload: ScoreIn):
    return _candidate_out(
        services.score_candidate(request.actor, candidate_id=candidate_id, **payload.model_dump())
    )


@router.post("/selections/{selection_id}/decide", response={200: SelectionOut, **ERRORS})
def decide_selection(request, selection_id: int, payload: DecideIn):
    return _selection_out(
        services.decide_selection(request.actor, selection_id=selection_id, **payload.model_dump())
    )


@router.post("/selections/{selection_id}/fail", response={200: SelectionOut, **ERRORS})
def fail_selection(request, selection_id: int, payload: ReasonIn):
    return _selection_out(
        services.fail_selection(request.actor, selection_id=selection_id, **payload.model_dump())
    )


# --- agreements (R09.1, R10.1, R15.1, R16.*) ---------------------------------------------------------------


@router.get("/agreements", response={200: list[AgreementOut], **ERRORS})
def list_agreements(request):
    return [_agreement_out(a) for a in selectors.agreements_visible_to(request.actor)]


@router.get("/agreements/{agreement_id}", response={200: AgreementOut, **ERRORS})
def get_agreement(request, agreement_id: int):
    return _agreement_out(selectors.get_agreement_for(request.actor, agreement_id))


@router.post("/agreements", response={201: AgreementOut, **ERRORS})
def create_agreement(request, payload: AgreementIn):
    a = services.create_agreement(request.actor, selection_id=payload.selection_id, draft=payload.to_draft())
    return Status(201, _agreement_out(a))


@router.post("/agreements/{agreement_id}/cosign", response={200: AgreementOut, **ERRORS})
def cosign_agreement(request, agreement_id: int):
    """数源单位会签 (分领域授权, R09.1)."""
    return _agreement_out(services.cosign_agreement(request.actor, agreement_id=agreement_id).agreement)


@router.post("/agreements/{agreement_id}/sign", response={200: AgreementOut, **ERRORS})
def sign_agreement(request, agreement_id: int, payload: SignIn):
    """经本单位“三重一大”审议后签订 (R15.1)."""
    return _agreement_out(
        services.sign_agreement(request.actor, agreement_id=agreement_id, **payload.model_dump())
    )


@router.post("/agreements/{agreement_id}/file", response={200: AgreementOut, **ERRORS})
def file_agreement(request, agreement_id: int):
    return _agreement_out(services.file_agreement(request.actor, agreement_id=agreement_id))


@router.post("/agreements/{agreement_id}/activate", response={200: AgreementOut, **ERRORS})
def activate_agreement(request, agreement_id: int):
    return _agreement_out(services.activate_agreement(request.actor, agreement_id=agreement_id))


@router.post("/agreements/{agreement_id}/suspend", response={200: AgreementOut, **ERRORS})
def suspend_agreement(request, agreement_id: int, payload: ReasonIn):
    return _agreement_out(
        services.suspend_agreement(request.actor, agreement_id=agreement_id, **payload.model_dump())
    )


@router.post("/agreements/{agreement_id}/resume", response={200: AgreementOut, **ERRORS})
def resume_agreement(request, agreement_id: int, payload: ReasonIn):
    return _agreement_out(
        services.resume_agreement(request.actor, agreement_id=agreement_id, **payload.model_dump())
    )


@router.post("/agreements/{agreement_id}/terminate", response={200: AgreementOut, **ERRORS})
def terminate_agreement(request, agreement_id: int, payload: ReasonIn):
    return _agreement_out(
        services.terminate_agreement(request.actor, agreement_id=agreement_id, **payload.model_dump())
    )


# --- deadlines and the public list -----------------------------------------------------------------------


@router.get("/deadlines", response={200: list[DeadlineOut], **ERRORS})
def deadlines(request, include_filed: bool = False):
    """Filing deadlines (R13.2, R15.1), overdue first."""
    return [d.__dict__ for d in selectors.deadlines_for(request.actor, include_filed=include_filed)]


@router.get("/public/authorizations", auth=public, response={200: list[PublicAuthorizationOut]})
def public_authorizations(request):
    """授权运营公示: who is authorized, for what, scope and term (第二十四条). Open to everyone."""
    return [p.__dict__ for p in selectors.public_authorizations()]
