"""Read queries of the secure environment, always filtered by what the actor may see.

Operators' people see their organization's workspaces, jobs and outputs; the implementing agency that
signed the agreement sees them for review (reasons, never rows). Everything else is `NotFound`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from shuyu.core.actors import Actor
from shuyu.core.errors import NotFound
from shuyu.core.permissions import Perm, has_perm

from . import rules
from .models import Job, Output, Workspace
from .schema import FieldRule, TableSpec, table_spec_from_catalog


def _workspace_q(actor: Actor, prefix: str = "") -> Q | None:
    q = Q(pk__in=[])
    seen = False
    if actor.org_id and has_perm(actor, Perm.SANDBOX_JOB_SUBMIT):
        q |= Q(**{f"{prefix}operator_id": actor.org_id})
        seen = True
    if actor.org_id and has_perm(actor, Perm.SANDBOX_OUTPUT_REVIEW):
        q |= Q(**{f"{prefix}agreement__agency_id": actor.org_id})
        seen = True
    return q if seen else None


def workspaces_visible_to(actor: Actor) -> QuerySet[Workspace]:
    q = _workspace_q(actor)
    if q is None:
        return Workspace.objects.none()
    return Workspace.objects.filter(q).select_related("agreement")


def get_workspace_for(actor: Actor, workspace_id: int) -> Workspace:
    ws = workspaces_visible_to(actor).filter(pk=workspace_id).first()
    if ws is None:
        raise NotFound("workspace", workspace_id=workspace_id)
    return ws


def is_member(actor: Actor, ws: Workspace) -> bool:
    """Members are the operator's people (R19.1); the agency's reviewers are not members."""
    return actor.org_id == ws.operator_id and has_perm(actor, Perm.SANDBOX_JOB_SUBMIT)


def jobs_visible_to(actor: Actor) -> QuerySet[Job]:
    q = _workspace_q(actor, "workspace__")
    if q is None:
        return Job.objects.none()
    return Job.objects.filter(q).select_related("workspace")


def get_job_for(actor: Actor, job_id: int) -> Job:
    job = jobs_visible_to(actor).filter(pk=job_id).first()
    if job is None:
        raise NotFound("job", job_id=job_id)
    return job


def outputs_visible_to(actor: Actor) -> QuerySet[Output]:
    q = _workspace_q(actor, "job__workspace__")
    if q is None:
        return Output.objects.none()
    return Output.objects.filter(q).select_related("job", "job__workspace")


def get_output_for(actor: Actor, output_id: int) -> Output:
    out = outputs_visible_to(actor).filter(pk=output_id).first()
    if out is None:
        raise NotFound("output", output_id=output_id)
    return out


def review_queue(actor: Actor) -> QuerySet[Output]:
    """Outputs awaiting the actor's agency's review (R19.2)."""
    if not (actor.org_id and has_perm(actor, Perm.SANDBOX_OUTPUT_REVIEW)):
        return Output.objects.none()
    return (
        Output.objects.filter(job__workspace__agreement__agency_id=actor.org_id, status="pending")
        .select_related("job", "job__workspace")
        .order_by("created_at", "id")
    )


# --- the workspace's tables: an adapter over the catalog and the agreement's scope ----------------------


@dataclass(frozen=True)
class WorkspaceTable:
    """One resource of the agreement's scope as a job sees it."""

    name: str  # the table name in SQL and in `load(...)`
    resource_id: int
    resource_code: str
    resource_name: str
    spec: TableSpec


def tables_for(ws: Workspace) -> list[WorkspaceTable]:
    """Exactly the agreement's scope (R19.1), with the catalog's field rules (fail closed when unknown).

    Only the fields the agreement grants (`AgreementResource.granted_fields`; none listed = every
    catalogued field) are in the spec, so only they are projected into the jail; the projection drops any
    column the catalog does not declare. A grant without the disclosure unit leaves no way to count
    contributors: every field is then treated as an identifier (fail closed).
    """
    out = []
    links = ws.agreement.agreement_resources.select_related("resource").order_by("resource__code")
    for link in links:
        r = link.resource
        fields = list(r.fields.all().order_by("position"))
        name = rules.table_name_for(r.code)
        granted = None if link.granted_fields is None else {f.lower() for f in link.granted_fields}
        spec = table_spec_from_catalog(name, fields, granted=granted, resource_code=r.code)
        if spec.unit is None and any(f.rule != FieldRule.PLAIN for f in spec.fields):
            # Personal or enterprise data without a declared disclosure unit cannot be gated: treat the
            # strictest way (no contributor counts possible → every field an identifier).
            spec = TableSpec(
                spec.name,
                tuple(type(f)(f.name, f.type, FieldRule.IDENTIFIER, f.fmt, f.code_list) for f in spec.fields),
                None,
                spec.resource_code,
            )
        out.append(WorkspaceTable(name, r.pk, r.code, r.name, spec))
    return out


def schema_document(ws: Workspace) -> dict:
    """The workspace's tables as a schema document (`shuyu sandbox check-sql/mock --schema`)."""
    return {
        "tables": [
            {
                "name": t.name,
                "resource_code": t.resource_code,
                "resource_name": t.resource_name,
                "unit": t.spec.unit,
                "fields": [
                    {
                        "name": f.name,
                        "type": f.type.name.lower(),
                        "rule": f.rule.name.lower(),
                        "fmt": f.fmt,
                        "code_list": list(f.code_list),
                    }
                    for f in t.spec.fields
                ],
            }
            for t in tables_for(ws)
        ]
    }
