"""Use cases of 关联汇聚风险 (R23.5): score a combining job in the worker, hold it for the agency's approval.

In the worker, before a job runs: a SQL job that reads several data source units' resources or combines
quasi-identifiers is scored in the jail (`association.scoring_sql`: only two counts leave). Above the
threshold — or when it cannot be scored — the job waits in `approval` (待事前审批) until a person of the
implementing agency that signed the agreement, never the submitter, approves (back to the queue, not
scored again) or rejects it (blocked, final). A Python job cannot be scored statically: when its
workspace spans several data source units, it needs approval the same way (fail closed). Every step goes
to the ledger with the facts (units, quasi-identifier names, score) — never a value.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from shuyu import ledger
from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError
from shuyu.core.permissions import Perm, authorize, has_perm

from . import association, engine, jail, rules, selectors, sqlpolicy
from .models import Job, JobKind, JobStatus, Workspace

WORKER = Actor.system("sandbox-worker")
DECISIONS = ("approve", "reject")


@dataclass(frozen=True)
class Assessment:
    facts: dict  # as stored on the job and in the ledger: units, quasi-identifiers, score, threshold
    needs_approval: bool


def _providers(ws: Workspace) -> dict[str, str]:
    """Table name → its data source unit (the provider's registered name: unique in practice, and what a
    reviewer recognises), from the agreement's scope."""
    links = ws.agreement.agreement_resources.select_related("resource__provider")
    return {rules.table_name_for(link.resource.code): link.resource.provider.name for link in links}


def assess(
    job: Job, ws: Workspace, tables: list[selectors.WorkspaceTable], project, limits: jail.Limits
) -> Assessment | None:
    """The association risk of a job, scored in the jail; None when it combines nothing.

    `tables` are the workspace's (`selectors.tables_for`); `project(chosen)` gives the projected inputs of
    the chosen ones, as the worker projects them for the job itself.
    """
    specs = [t.spec for t in tables]
    providers = _providers(ws)
    threshold = association.DEFAULT_MAX_UNIQUE_SHARE
    if job.kind == JobKind.PYTHON:
        units = sorted({providers.get(t.name, t.name) for t in tables})
        if len(units) < 2:
            return None
        facts = {"providers": units, "quasi": [], "cross_provider": True, "combines_quasi": False}
        facts |= {"score": None, "threshold": threshold, "scored": "python_unscorable"}
        return Assessment(facts, True)
    if job.kind != JobKind.SQL:
        return None
    checked = sqlpolicy.check_sql(job.code, specs)
    combo = association.combination(checked, specs, providers)
    if combo is None:
        return None
    facts = combo.as_facts() | {"threshold": threshold}
    sql = association.scoring_sql(checked, combo)
    score = None
    if sql is None:
        facts["scored"] = "relation_unscorable"
    else:
        scoring = sqlpolicy.CheckedQuery(sql=sql, tree=checked.tree, tables=checked.tables, outputs=[])
        try:
            result = engine.run_sql(
                scoring,
                inputs=project([t for t in tables if t.name in checked.tables]),
                limits=limits,
                max_rows=1,
            )
            unique, records = (int(v) for v in result.rows[0])
            score = round(association.unique_share(unique, records), 6)
            facts |= {"scored": "jail", "records": records}
        except (DomainError, ValueError, TypeError, IndexError):
            facts["scored"] = "scoring_failed"  # fail closed: approval needed
    facts["score"] = score
    needed = association.needs_prior_approval(score, threshold, records=facts.get("records"))
    return Assessment(facts, needed)


@transaction.atomic
def hold_for_approval(job: Job, assessment: Assessment) -> Job:
    """Move a running job to `approval`; it runs only after the agency approves (R23.5)."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    rules.check_job_transition(job.status, JobStatus.APPROVAL)
    job.status = JobStatus.APPROVAL
    job.association = assessment.facts
    job.save(update_fields=["status", "association"])
    ledger.append(
        WORKER,
        "sandbox.job.association_held",
        job,
        {"code_sha256": job.code_sha256, "requirement": "R23.5", **assessment.facts},
    )
    return job


def record_assessment(job: Job, assessment: Assessment) -> None:
    """A combining job under the threshold runs; its score is kept on the job and in the ledger."""
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(association=assessment.facts)
        ledger.append(
            WORKER,
            "sandbox.job.association_scored",
            job,
            {"code_sha256": job.code_sha256, "requirement": "R23.5", **assessment.facts},
        )
    job.association = assessment.facts


def is_approved(job: Job) -> bool:
    return bool((job.association or {}).get("decision") == "approve")


def facts_for(actor: Actor, job: Job) -> dict:
    """The job's association facts as `actor` may see them (scores only for the deciding agency)."""
    reviewer = bool(actor.org_id and has_perm(actor, Perm.SANDBOX_ASSOCIATION_APPROVE))
    return association.visible_facts(job.association or {}, reviewer=reviewer)


def approval_queue(actor: Actor) -> QuerySet[Job]:
    """Jobs of the actor's agency's agreements awaiting prior approval."""
    if not (actor.org_id and has_perm(actor, Perm.SANDBOX_ASSOCIATION_APPROVE)):
        return Job.objects.none()
    return (
        Job.objects.filter(workspace__agreement__agency_id=actor.org_id, status=JobStatus.APPROVAL)
        .select_related("workspace")
        .order_by("submitted_at", "id")
    )


@transaction.atomic
def decide(actor: Actor, *, job_id: int, decision: str, note: str) -> Job:
    """The implementing agency approves (back to the queue) or rejects (blocked, final) a held job."""
    authorize(actor, Perm.SANDBOX_ASSOCIATION_APPROVE)
    if decision not in DECISIONS:
        raise DomainError("R23.5", "审批结论只能是批准或驳回", "the decision must be approve or reject")
    note = (note or "").strip()
    if not note:
        raise DomainError("R23.5", "审批须说明理由", "a decision needs a reason")
    job = selectors.get_job_for(actor, job_id)
    if job.workspace.agreement.agency_id != actor.org_id:
        raise DomainError(
            "R23.5",
            "只有签订协议的实施机构可以审批",
            "only the implementing agency that signed the agreement may decide",
        )
    job = Job.objects.select_for_update().get(pk=job.pk)
    association.check_awaits_approval(job.status)
    association.check_association_decider(
        submitter_person_id=job.submitted_by_person_id, decider_person_id=actor.person_id
    )
    target = JobStatus.QUEUED if decision == "approve" else JobStatus.BLOCKED
    rules.check_job_transition(job.status, target)
    now = clock.now()
    job.status = target
    job.association = (job.association or {}) | {
        "decision": decision,
        "note": note[:500],
        "decided_at": now.isoformat(),
        "decided_by_person_id": actor.person_id,
    }
    if target == JobStatus.BLOCKED:
        job.finished_at = now
    job.save(update_fields=["status", "association", "finished_at"])
    ledger.append(
        actor,
        "sandbox.job.association_decided",
        job,
        {"code_sha256": job.code_sha256, "decision": decision, "note": note[:500], "requirement": "R23.5"},
    )
    return job
