"""API routes of the secure environment (第十八条、第十九条): workspaces, mock data, jobs, outputs, review.

Handlers parse, call one service or selector and render. No route returns a job's rows before release;
job status carries only coded errors and the redacted log.
"""

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from shuyu.sandbox import budget, prior_approval, review, selectors, services
from shuyu.sandbox.models import Job, Output, Workspace

from .schemas import ErrorOut

router = Router(tags=["sandbox"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class WorkspaceIn(Schema):
    agreement_id: int
    name: str


class TableOut(Schema):
    name: str
    resource_code: str
    resource_name: str


class WorkspaceOut(Schema):
    id: int
    name: str
    agreement_id: int
    agreement_status: str
    tables: list[TableOut]


class JobIn(Schema):
    kind: Literal["sql", "python"] = "sql"
    code: str


class ReasonOut(Schema):
    requirement: str
    code: str
    verdict: str
    zh: str
    en: str
    cell: int | None = None
    measure: str | None = None
    facts: dict = Field(default_factory=dict)


class ChangeIn(Schema):
    action: Literal["suppress", "round", "remove", "other"]
    cell: int | None = Field(None, description="行号 / the row (cell) the change applies to")
    detail: str = ""


class ReviewOut(Schema):
    kind: str
    version: int
    decision: str
    note: str
    changes: list[dict]
    decided_at: dt.datetime


class OutputOut(Schema):
    id: int
    job_id: int
    name: str
    verdict: str
    status: str
    version: int
    sha256: str
    reasons: list[ReasonOut]
    reviews: list[ReviewOut] = Field(default_factory=list, description="the current version's reviews")


class JobOut(Schema):
    id: int
    workspace_id: int
    kind: str
    status: str
    code_sha256: str
    resources: list[str]
    error_code: str
    error_requirement: str
    error_zh: str
    error_en: str
    log: str
    submitted_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    outputs: list[OutputOut]
    association: dict = Field(
        default_factory=dict,
        description="关联汇聚风险 (R23.5): units, quasi-identifiers, decision; the score only for the agency",
    )


class AssociationDecisionIn(Schema):
    decision: str = Field(description="approve（批准）| reject（驳回）")
    note: str


class ReviewIn(Schema):
    kind: str = Field(description="security（安全审查）| business（业务审查）")
    decision: str = Field(description="approve（批准）| conditional（附条件批准）| reject（驳回）")
    note: str
    changes: list[ChangeIn] = Field(default_factory=list, description="required changes (conditional only)")


class ResubmitIn(Schema):
    code: str = Field(description="the changed SQL, script or DP declaration (JSON)")


class StuckOut(Schema):
    output_id: int
    job_id: int
    name: str
    status: str
    version: int
    since: dt.date
    due_on: dt.date
    alerted: bool


class GateSettingsIn(Schema):
    threshold: int = 10
    dominance_n: int = 2
    dominance_k: float = 0.90
    p_percent: float = 0.10
    zeros_disclosive: bool = True


class ReleasedOut(Schema):
    id: int
    name: str
    sha256: str
    columns: list
    rows: list


def _workspace_out(ws: Workspace) -> dict:
    return {
        "id": ws.pk,
        "name": ws.name,
        "agreement_id": ws.agreement_id,
        "agreement_status": ws.agreement.status,
        "tables": [
            {"name": t.name, "resource_code": t.resource_code, "resource_name": t.resource_name}
            for t in selectors.tables_for(ws)
        ],
    }


def _output_out(o: Output) -> dict:
    # Never `rows`: a table leaves only through the download of a released output.
    return {
        "id": o.pk,
        "job_id": o.job_id,
        "name": o.name,
        "verdict": o.verdict,
        "status": o.status,
        "version": o.version,
        "sha256": o.sha256,
        "reasons": o.reasons,
        "reviews": [
            {
                "kind": r.kind,
                "version": r.version,
                "decision": r.decision,
                "note": r.note,
                "changes": r.changes,
                "decided_at": r.decided_at,
            }
            for r in review.current_reviews(o)
        ],
    }


def _job_out(job: Job, actor) -> dict:
    return {
        "id": job.pk,
        "workspace_id": job.workspace_id,
        "kind": job.kind,
        "status": job.status,
        "code_sha256": job.code_sha256,
        "resources": job.resources,
        "error_code": job.error_code,
        "error_requirement": job.error_requirement,
        "error_zh": job.error_zh,
        "error_en": job.error_en,
        "log": job.log,
        "submitted_at": job.submitted_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "outputs": [_output_out(o) for o in job.outputs.order_by("id")],
        "association": prior_approval.facts_for(actor, job),
    }


@router.get("/workspaces", response={200: list[WorkspaceOut], **ERRORS})
def list_workspaces(request):
    return [_workspace_out(ws) for ws in selectors.workspaces_visible_to(request.actor).order_by("id")]


@router.post("/workspaces", response={201: WorkspaceOut, **ERRORS})
def create_workspace(request, payload: WorkspaceIn):
    ws = services.create_workspace(request.actor, agreement_id=payload.agreement_id, name=payload.name)
    return Status(201, _workspace_out(ws))


@router.get("/workspaces/{workspace_id}/schema", response={200: dict, **ERRORS})
def workspace_schema(request, workspace_id: int):
    return selectors.schema_document(selectors.get_workspace_for(request.actor, workspace_id))


@router.get("/workspaces/{workspace_id}/mock/{table}", response={200: None, **ERRORS})
def mock_data(request, workspace_id: int, table: str, rows: int = 200, seed: int = 0):
    """模拟数据（Parquet），只按表结构生成 / mock rows from the schema alone (never a raw value)."""
    data = services.mock_parquet(request.actor, workspace_id=workspace_id, table=table, rows=rows, seed=seed)
    response = HttpResponse(data, content_type="application/vnd.apache.parquet")
    response["Content-Disposition"] = f'attachment; filename="{table}-mock.parquet"'
    return response


@router.post("/workspaces/{workspace_id}/jobs", response={201: JobOut, **ERRORS})
def submit_job(request, workspace_id: int, payload: JobIn):
    if payload.kind == "python":
        job = services.submit_python_job(request.actor, workspace_id=workspace_id, code=payload.code)
    else:
        job = services.submit_sql_job(request.actor, workspace_id=workspace_id, sql=payload.code)
    return Status(201, _job_out(job, request.actor))


@router.get("/workspaces/{workspace_id}/jobs", response={200: list[JobOut], **ERRORS})
def list_jobs(request, workspace_id: int):
    ws = selectors.get_workspace_for(request.actor, workspace_id)
    return [
        _job_out(j, request.actor)
        for j in selectors.jobs_visible_to(request.actor).filter(workspace=ws)[:100]
    ]


@router.get("/jobs/approval-queue", response={200: list[JobOut], **ERRORS})
def association_queue(request):
    """待事前审批的关联汇聚作业 / jobs held for the agency's prior approval (R23.5)."""
    return [_job_out(j, request.actor) for j in prior_approval.approval_queue(request.actor)]


@router.post("/jobs/{job_id}/association", response={200: JobOut, **ERRORS})
def decide_association(request, job_id: int, payload: AssociationDecisionIn):
    """实施机构事前审批：批准后作业重新排队，驳回则作业终止 / approve (re-queued) or reject (blocked)."""
    job = prior_approval.decide(request.actor, job_id=job_id, decision=payload.decision, note=payload.note)
    return _job_out(job, request.actor)


@router.get("/jobs/{job_id}", response={200: JobOut, **ERRORS})
def job_status(request, job_id: int):
    return _job_out(selectors.get_job_for(request.actor, job_id), request.actor)


@router.post("/jobs/{job_id}/cancel", response={200: JobOut, **ERRORS})
def cancel_job(request, job_id: int):
    return _job_out(services.cancel_job(request.actor, job_id=job_id), request.actor)


@router.get("/outputs/review-queue", response={200: list[OutputOut], **ERRORS})
def review_queue(request):
    return [_output_out(o) for o in selectors.review_queue(request.actor)]


@router.get("/outputs/stuck", response={200: list[StuckOut], **ERRORS})
def stuck_outputs(request):
    """逾期未审结的输出（只读）/ outputs past their review or change deadline (reads only)."""
    return [s.__dict__ for s in review.stuck_reviews(request.actor)]


@router.post("/outputs/stuck/sweep", response={200: list[StuckOut], **ERRORS})
def sweep_stuck_outputs(request):
    """逾期预警：每个输出每种状态记一次存证 / record one ledger alert per overdue output and status."""
    return [s.__dict__ for s in review.sweep_stuck(request.actor)]


@router.get("/outputs/{output_id}", response={200: OutputOut, **ERRORS})
def output_verdict(request, output_id: int):
    return _output_out(selectors.get_output_for(request.actor, output_id))


@router.post("/outputs/{output_id}/review", response={200: OutputOut, **ERRORS})
def review_output(request, output_id: int, payload: ReviewIn):
    """安全审查或业务审查（两人、均非提交人）/ one of the two reviews (two people, neither the submitter)."""
    r = review.decide(
        request.actor,
        output_id=output_id,
        kind=payload.kind,
        decision=payload.decision,
        note=payload.note,
        changes=[c.dict() for c in payload.changes],
    )
    return _output_out(r.output)


@router.get("/outputs/{output_id}/receipts", response={200: list[dict], **ERRORS})
def output_receipts(request, output_id: int):
    """每项审查决定的签名回执（可离线校验）/ the signed receipt of every decision (verifiable offline)."""
    return review.receipts_for(request.actor, output_id=output_id)


@router.post("/outputs/{output_id}/resubmit", response={201: JobOut, **ERRORS})
def resubmit_output(request, output_id: int, payload: ResubmitIn):
    """附条件批准后提交新版本 / submit a new version of an output approved subject to change."""
    job = review.resubmit(request.actor, output_id=output_id, code=payload.code)
    return Status(201, _job_out(job, request.actor))


@router.get("/outputs/{output_id}/download", response={200: ReleasedOut, **ERRORS})
def download_output(request, output_id: int):
    t = services.download_released_output(request.actor, output_id=output_id)
    return {"id": output_id, "name": t.name, "sha256": t.sha256, "columns": t.columns, "rows": t.rows}


@router.put("/agreements/{agreement_id}/gate-settings", response={200: GateSettingsIn, **ERRORS})
def set_gate_settings(request, agreement_id: int, payload: GateSettingsIn):
    """实施机构设置协议的输出审查参数（不得宽于默认值）/ the agency sets an agreement's gate settings."""
    s = services.set_gate_settings(request.actor, agreement_id=agreement_id, **payload.dict())
    return {k: getattr(s, k) for k in services.GATE_SETTING_NAMES}


# --- differential privacy (R18.2) ----------------------------------------------------------------------


class DpSpecIn(Schema):
    """A declared DP query: keys and bounds are declared here (or by the catalog), never read from the data."""

    table: str
    statistic: Literal["count", "sum", "mean", "histogram"]
    measure: str | None = None
    group_by: list[str] = Field(default_factory=list)
    keys: dict[str, list[str]] = Field(default_factory=dict)
    bounds: list | None = Field(None, description="[lower, upper], declared numbers")
    contributions: int = Field(1, description="max rows per disclosure unit (truncated before aggregation)")
    epsilon: float
    precision: int = 2
    mechanism: str = Field("laplace", description="laplace (pure ε, the default) or gaussian ((ε, δ))")
    delta: float | None = Field(None, description="δ of a Gaussian release: 0 < δ < 1e-5 (R18.2)")


class BudgetIn(Schema):
    epsilon: float
    delta: float = 0.0


class BudgetOut(Schema):
    resource: str
    table: str
    epsilon_total: float
    delta_total: float
    epsilon_spent: float
    delta_spent: float
    epsilon_remaining: float
    delta_remaining: float


def _budget_out(line) -> dict:
    return {
        k: getattr(line, k, "")
        for k in (
            "resource",
            "table",
            "epsilon_total",
            "delta_total",
            "epsilon_spent",
            "delta_spent",
            "epsilon_remaining",
            "delta_remaining",
        )
    }


def _spec(payload: DpSpecIn) -> dict:
    return payload.dict(exclude_none=True)


@router.get("/workspaces/{workspace_id}/dp/budget", response={200: list[BudgetOut], **ERRORS})
def dp_budget(request, workspace_id: int):
    """隐私预算（总额、已用、剩余）/ the privacy budget per resource: total, spent, remaining."""
    return [_budget_out(b) for b in budget.workspace_budgets(request.actor, workspace_id=workspace_id)]


@router.post("/workspaces/{workspace_id}/dp/estimate", response={200: dict, **ERRORS})
def dp_estimate(request, workspace_id: int, payload: DpSpecIn):
    """发布前显示隐私成本与剩余预算（不扣减）/ the cost and remaining budget before spending (spends nothing)."""
    return budget.estimate(request.actor, workspace_id=workspace_id, spec=_spec(payload)).as_dict()


@router.post("/workspaces/{workspace_id}/dp/jobs", response={201: JobOut, **ERRORS})
def dp_submit(request, workspace_id: int, payload: DpSpecIn):
    job = budget.submit_dp_job(request.actor, workspace_id=workspace_id, spec=_spec(payload))
    return Status(201, _job_out(job, request.actor))


@router.put("/agreements/{agreement_id}/dp-budget/{resource}", response={200: BudgetOut, **ERRORS})
def dp_set_budget(request, agreement_id: int, resource: str, payload: BudgetIn):
    """实施机构设置协议对某资源的隐私预算 / the agency sets an agreement's (ε, δ) budget on a resource."""
    b = budget.set_budget(
        request.actor,
        agreement_id=agreement_id,
        resource=resource,
        epsilon=payload.epsilon,
        delta=payload.delta,
    )
    return _budget_out(b)
