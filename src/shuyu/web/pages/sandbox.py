"""Pages of the secure environment: the operator's workspace (mock data, submit SQL, verdicts) and the
implementing agency's review queue (R19.1, R19.2). Rows leave only through the released-output download."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from shuyu.core.errors import DomainError
from shuyu.core.permissions import Perm, has_perm
from shuyu.sandbox import budget, prior_approval, review, rules, selectors, services
from shuyu.sandbox.models import ReviewKind

# The operator's workspaces and the agency's review queue are the same page, named for each role.
NAV = [
    ("安全开发环境", "Secure environment", "web:sandbox", Perm.SANDBOX_JOB_SUBMIT),
    ("输出审查", "Output review", "web:sandbox", Perm.SANDBOX_OUTPUT_REVIEW),
]


def _review_context(actor) -> dict:
    """The agency's queue (two reviews per output, reasons per cell) and the overdue outputs (R19.2)."""
    queue = [
        {"item": item, "kinds": [(k, ReviewKind(k).label) for k in item.open_kinds]}
        for item in review.queue(actor)
    ]
    reviewer = bool(actor.org_id and has_perm(actor, Perm.SANDBOX_OUTPUT_REVIEW))
    approvals = [
        {"job": job, "facts": prior_approval.facts_for(actor, job)}
        for job in prior_approval.approval_queue(actor)
    ]
    return {"queue": queue, "stuck": review.stuck_reviews(actor) if reviewer else [], "approvals": approvals}


@login_required
def index(request):
    actor = request.actor
    workspaces = [
        {"ws": ws, "member": selectors.is_member(actor, ws)}
        for ws in selectors.workspaces_visible_to(actor).order_by("id")
    ]
    return render(request, "web/sandbox/index.html", {"workspaces": workspaces} | _review_context(actor))


def _workspace_context(actor, workspace_id: int) -> dict:
    ws = selectors.get_workspace_for(actor, workspace_id)
    jobs = (
        selectors.jobs_visible_to(actor)
        .filter(workspace=ws)
        .prefetch_related("outputs", "outputs__reviews")[:50]
    )
    return {
        "ws": ws,
        "member": selectors.is_member(actor, ws),
        "tables": selectors.tables_for(ws),
        "jobs": jobs,
        "dp_budgets": budget.budget_lines(ws),  # R18.2: the remaining budget is always visible
    }


@login_required
def workspace(request, workspace_id: int):
    return render(request, "web/sandbox/workspace.html", _workspace_context(request.actor, workspace_id))


@login_required
@require_POST
def submit(request, workspace_id: int):
    try:
        job = services.submit_sql_job(
            request.actor, workspace_id=workspace_id, sql=request.POST.get("sql", "")
        )
    except DomainError as e:
        context = _workspace_context(request.actor, workspace_id) | {
            "error": e,
            "sql": request.POST.get("sql", ""),
        }
        return render(request, "web/sandbox/workspace.html", context, status=e.status)
    messages.success(request, f"作业 {job.pk} 已提交，排队中 / job {job.pk} queued")
    return redirect("web:sandbox-workspace", workspace_id=workspace_id)


@login_required
def mock(request, workspace_id: int, table: str):
    data = services.mock_parquet(request.actor, workspace_id=workspace_id, table=table, rows=200)
    response = HttpResponse(data, content_type="application/vnd.apache.parquet")
    response["Content-Disposition"] = f'attachment; filename="{table}-mock.parquet"'
    return response


@login_required
@require_POST
def decide(request, output_id: int):
    try:
        r = review.decide(
            request.actor,
            output_id=output_id,
            kind=request.POST.get("kind", ""),
            decision=request.POST.get("decision", ""),
            note=request.POST.get("note", ""),
            changes=rules.parse_changes(request.POST.get("changes", "")),
        )
    except DomainError as e:
        context = {"workspaces": [], "error": e} | _review_context(request.actor)
        return render(request, "web/sandbox/index.html", context, status=e.status)
    messages.success(
        request,
        f"{r.get_kind_display()}：{r.get_decision_display()}，输出 {r.output.pk} {r.output.get_status_display()}"
        f" / {r.kind} review recorded: {r.decision} → {r.output.status}",
    )
    return redirect("web:sandbox")


@login_required
@require_POST
def decide_association(request, job_id: int):
    """The agency's prior approval of a combining job (R23.5): approved → queued again; rejected → blocked."""
    try:
        job = prior_approval.decide(
            request.actor,
            job_id=job_id,
            decision=request.POST.get("decision", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as e:
        context = {"workspaces": [], "error": e} | _review_context(request.actor)
        return render(request, "web/sandbox/index.html", context, status=e.status)
    messages.success(
        request, f"作业 {job.pk}：{job.get_status_display()} / job {job.pk} is now {job.status} (R23.5)"
    )
    return redirect("web:sandbox")


@login_required
@require_POST
def resubmit(request, output_id: int):
    output = selectors.get_output_for(request.actor, output_id)
    workspace_id = output.job.workspace_id
    try:
        job = review.resubmit(request.actor, output_id=output_id, code=request.POST.get("code", ""))
    except DomainError as e:
        context = _workspace_context(request.actor, workspace_id) | {"error": e}
        return render(request, "web/sandbox/workspace.html", context, status=e.status)
    messages.success(
        request,
        f"第 {job.revision} 版已提交：作业 {job.pk} / version {job.revision} submitted as job {job.pk}",
    )
    return redirect("web:sandbox-workspace", workspace_id=workspace_id)


@login_required
def download(request, output_id: int):
    table = services.download_released_output(request.actor, output_id=output_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="output-{output_id}.csv"'
    return response


urlpatterns = [
    path("sandbox/", index, name="sandbox"),
    path("sandbox/workspaces/<int:workspace_id>/", workspace, name="sandbox-workspace"),
    path("sandbox/workspaces/<int:workspace_id>/jobs", submit, name="sandbox-submit"),
    path("sandbox/workspaces/<int:workspace_id>/mock/<str:table>", mock, name="sandbox-mock"),
    path("sandbox/outputs/<int:output_id>/review", decide, name="sandbox-review"),
    path("sandbox/outputs/<int:output_id>/resubmit", resubmit, name="sandbox-resubmit"),
    path("sandbox/jobs/<int:job_id>/association", decide_association, name="sandbox-association"),
    path("sandbox/outputs/<int:output_id>/download", download, name="sandbox-download"),
]
