"""The two-person review of gated outputs (第十九条 R19.2 四眼原则, R18.1 可追溯, R23.2).

An output the gate marks `review` waits for two reviews of the implementing agency that signed the
agreement: a security review (安全审查) and a business review (业务审查), by two different people, neither
the job's submitter. Each decides approve (批准), approve subject to change (附条件批准: names the required
changes) or reject (驳回):

- any reject blocks the output at once (final: its table is dropped);
- both approve → released, after differencing is checked again against every release made since the output
  was gated (the persistent release history);
- otherwise (one approval subject to change) the output goes back to the operator (`changes`); the operator
  submits a new version (`resubmit`: a new job revising it, the old output `superseded`), whose reviews start
  empty.

Final states never change. Every decision goes to the ledger with its reasons and yields a signed receipt
(`receipts`). An output left in `pending` or `changes` past its deadline (working days,
`config.review_deadline_workdays()`) raises one ledger alert per output and status (`sweep_stuck`).
Reviewers see the gate's reasons per cell (contributor counts, shares) — never the rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import QuerySet

from shuyu import ledger
from shuyu.core import calendar, clock, config
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError, NotFound
from shuyu.core.permissions import Perm, authorize, has_perm

from . import receipts, rules, selectors
from .gate import Population, Verdict
from .gate.differencing import check_differencing, check_tracker
from .models import Job, JobKind, Output, OutputStatus, Review

SWEEPER = Actor.system("review-deadline-sweeper")
OPEN_STATUSES = (OutputStatus.PENDING, OutputStatus.CHANGES)


def _stored_populations(output: Output) -> list[Population]:
    from .services import population_from_json  # members, or a place in the population store (gate)

    return [population_from_json(r, label, members) for r, label, members in output.populations]


def _recheck_differencing(output: Output) -> None:
    """Releases since the output was gated count too: differencing and trackers are checked again."""
    from . import services

    ws = output.job.workspace
    populations = _stored_populations(output)
    history = services.DatabaseReleaseHistory(ws.operator_id, output)
    threshold = services.gate_settings_for(ws.agreement_id).threshold
    late = check_differencing(populations, history, threshold) + check_tracker(
        populations, history, threshold
    )
    if any(r.verdict == Verdict.BLOCK for r in late):
        raise DomainError(
            "R19.2",
            "与此后放行的结果组合可推算小群体（差分攻击），不得放行",
            "combined with outputs released since, this output discloses a small group (differencing)",
        )
    history.record(populations)


def current_reviews(output: Output) -> list[Review]:
    """The reviews of the output's current version."""
    return list(output.reviews.filter(version=output.version).order_by("decided_at", "id"))


# --- deciding --------------------------------------------------------------------------------------------


@transaction.atomic
def decide(
    actor: Actor,
    *,
    output_id: int,
    kind: str,
    decision: str,
    note: str,
    changes: list[dict] | None = None,
) -> Review:
    """One review (security or business) of an output awaiting review, by the agreement's agency (R19.2)."""
    from . import services

    output = selectors.get_output_for(actor, output_id)
    output = Output.objects.select_for_update().select_related("job__workspace__agreement").get(pk=output.pk)
    ws = output.job.workspace
    authorize(actor, Perm.SANDBOX_OUTPUT_REVIEW, org_id=ws.agreement.agency_id)
    rules.check_output_awaits_review(status=output.status, verdict=output.verdict)
    rules.check_reviewer_not_submitter(
        submitter_person_id=output.job.submitted_by_person_id, reviewer_person_id=actor.person_id
    )
    version = output.version
    existing = current_reviews(output)
    rules.check_review_slot(
        kind=kind,
        reviewer_person_id=actor.person_id,
        decided={r.kind: r.decided_by_person_id for r in existing},
    )
    note, changes = rules.check_review_decision(decision=decision, note=note, changes=changes)
    outcome = rules.review_outcome({r.kind: r.decision for r in existing} | {kind: decision})
    if outcome == OutputStatus.RELEASED:
        services._check_in_force(ws.agreement)  # R29.1: nothing leaves while suspended
        _recheck_differencing(output)
    now = clock.now()
    review = Review.objects.create(
        output=output,
        kind=kind,
        version=version,
        decision=decision,
        note=note,
        changes=changes,
        decided_at=now,
        decided_by_person_id=actor.person_id,
    )
    if outcome != output.status:
        output.status = outcome
        output.status_at = now
        if outcome == OutputStatus.RELEASED:
            output.released_at = now
        if outcome == OutputStatus.BLOCKED:
            output.rows = []  # a rejected table is not kept
            _drop_populations(output)  # nor its contributor sets: they will never be released
        output.save(update_fields=["status", "status_at", "released_at", "rows", "populations"])
    review.receipt = _signed_receipt(output, review)
    review.save(update_fields=["receipt"])
    ledger.append(
        actor,
        "sandbox.output.reviewed",
        output,
        {
            "job": output.job_id,
            "version": version,
            "kind": kind,
            "decision": decision,
            "note": note,
            "changes": changes,
            "sha256": output.sha256,
            "status": output.status,
            "receipt": review.receipt["signature"]["value"],
        },
    )
    if output.status == OutputStatus.RELEASED:
        ledger.append(actor, "sandbox.output.released", output, {"sha256": output.sha256, "by": "review"})
    _update_job_status(output.job_id)
    return review


def _population_files(output: Output) -> set[Path]:
    """The population-store files an output's contributor sets point into (checked to lie in the store)."""
    return {Path(p.source[0]) for p in _stored_populations(output) if p.source is not None}


def _drop_populations(output: Output) -> None:
    """Forget a rejected or superseded output's contributor sets; delete their files from the population
    store once the decision commits, unless another live output of the job shares a file (outputs of one
    job may point into the same file; released ones are in the release history)."""
    files = _population_files(output)
    output.populations = []
    if not files:
        return
    live = Output.objects.filter(job_id=output.job_id).exclude(pk=output.pk)
    live = live.exclude(status__in=[OutputStatus.BLOCKED, OutputStatus.SUPERSEDED])
    shared = set().union(*(_population_files(o) for o in live))
    doomed = files - shared
    transaction.on_commit(lambda: [path.unlink(missing_ok=True) for path in doomed])


def _update_job_status(job_id: int) -> None:
    job = Job.objects.select_for_update().get(pk=job_id)
    job.status = rules.job_status_after_gate(list(job.outputs.values_list("status", flat=True)))
    job.save(update_fields=["status"])


def _signed_receipt(output: Output, review: Review) -> dict:
    from shuyu.ledger import evidence, signing

    from . import services

    settings = dataclasses.asdict(services.gate_settings_for(output.job.workspace.agreement_id))
    body = receipts.receipt_body(
        output_id=output.pk,
        job_id=output.job_id,
        output_name=output.name,
        version=review.version,
        output_sha256=output.sha256,
        gate_settings=settings,
        reason_codes=[f"{r['requirement']}:{r['code']}" for r in output.reasons],
        kind=review.kind,
        decision=review.decision,
        note=review.note,
        changes=review.changes,
        output_status=output.status,
        decided_at=evidence.format_time(review.decided_at),
        agency_org_id=output.job.workspace.agreement.agency_id,
    )
    key = signing.signing_key()
    return receipts.sign_receipt(body, sign=key.sign, public_key=signing.public_key_bytes(key))


def receipts_for(actor: Actor, *, output_id: int) -> list[dict]:
    """The signed receipts of every decision on an output, to whoever may see the output."""
    output = selectors.get_output_for(actor, output_id)
    return [r.receipt for r in output.reviews.order_by("version", "decided_at", "id") if r.receipt]


# --- the operator's new version after 附条件批准 ---------------------------------------------------------


def resubmit(actor: Actor, *, output_id: int, code: str) -> Job:
    """The operator submits a new version of an output approved subject to change (R19.2).

    A new job of the same kind, revising the output; the output becomes `superseded` and the new version's
    reviews start empty. Refused submissions leave only the refusal's ledger entry, as any submission.
    """
    from . import budget, services

    output = selectors.get_output_for(actor, output_id)
    if not selectors.is_member(actor, output.job.workspace):
        raise NotFound("output", output_id=output_id)
    rules.check_output_awaits_changes(output.status)
    ws_id, kind = output.job.workspace_id, output.job.kind
    if kind == JobKind.SQL:
        job = services.submit_sql_job(actor, workspace_id=ws_id, sql=code, revises=output)
    elif kind == JobKind.PYTHON:
        job = services.submit_python_job(actor, workspace_id=ws_id, code=code, revises=output)
    else:
        try:
            spec = json.loads(code)
        except ValueError:
            raise DomainError("R18.2", "差分隐私声明须为 JSON", "a DP declaration must be JSON") from None
        job = budget.submit_dp_job(actor, workspace_id=ws_id, spec=spec, revises=output)
    # The job is a revision from its creation (reviewed again whatever the gate says); a concurrent
    # resubmission may have superseded the output first: then this one is a second revision, reviewed too.
    with transaction.atomic():
        old = Output.objects.select_for_update().select_related("job").get(pk=output.pk)
        if old.status == OutputStatus.CHANGES:
            old.status, old.status_at = OutputStatus.SUPERSEDED, clock.now()
            _drop_populations(old)  # a superseded version is never released
            old.save(update_fields=["status", "status_at", "populations"])
        ledger.append(
            actor,
            "sandbox.output.resubmitted",
            old,
            {"job": job.pk, "version": job.revision, "code_sha256": job.code_sha256, "sha256": old.sha256},
        )
        _update_job_status(old.job_id)
    job.refresh_from_db()
    return job


def required_changes(output: Output) -> list[dict]:
    """What the reviewers of the output's version asked to change, with the review kind."""
    return [
        c | {"kind": r.kind}
        for r in output.reviews.filter(version=output.version, decision="conditional").order_by("id")
        for c in r.changes
    ]


# --- the queue, per cell ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    output: Output
    reviews: list[Review]
    open_kinds: list[str]  # the kinds this actor may still decide
    cells: list[tuple[int | None, list[dict]]]  # reasons grouped by cell (None: the whole output)
    due_on: dt.date
    overdue: bool


def reasons_by_cell(output: Output) -> list[tuple[int | None, list[dict]]]:
    """Why each cell was flagged: the gate's reasons (contributor counts, shares), never a row."""
    cells: dict[int | None, list[dict]] = {}
    for r in output.reasons:
        cells.setdefault(r.get("cell"), []).append(r)
    return sorted(cells.items(), key=lambda kv: (kv[0] is not None, kv[0] or 0))


def open_kinds_for(actor: Actor, output: Output, reviews: list[Review]) -> list[str]:
    if actor.person_id is None or actor.person_id == output.job.submitted_by_person_id:
        return []
    decided = {r.kind: r.decided_by_person_id for r in reviews}
    if actor.person_id in decided.values():
        return []
    return [k for k in rules.REVIEW_KINDS if k not in decided]


def queue(actor: Actor) -> list[QueueItem]:
    """The agency's outputs awaiting review, with the reviews so far and what this actor may decide."""
    cal, today, n = calendar.current_calendar(), clock.today(), config.review_deadline_workdays()
    items = []
    for o in selectors.review_queue(actor).select_related("job"):
        reviews = current_reviews(o)
        due = _due_on(o, cal, n)
        items.append(
            QueueItem(
                o,
                reviews,
                open_kinds_for(actor, o, reviews),
                reasons_by_cell(o),
                due,
                rules.is_overdue(due_on=due, today=today),
            )
        )
    return items


# --- deadlines: outputs stuck in review or awaiting changes ------------------------------------------------


@dataclass(frozen=True)
class Stuck:
    output_id: int
    job_id: int
    name: str
    status: str
    version: int
    since: dt.date
    due_on: dt.date
    alerted: bool


def _due_on(output: Output, cal, workdays: int) -> dt.date:
    since = clock.local_date(output.status_at or output.created_at)
    return rules.review_due_on(since, add_workdays=cal.add_workdays, workdays=workdays)


def _open_outputs(actor: Actor) -> QuerySet[Output]:
    qs = Output.objects.filter(status__in=OPEN_STATUSES, verdict="review").select_related("job")
    if actor.is_system:
        return qs
    if not (actor.org_id and has_perm(actor, Perm.SANDBOX_OUTPUT_REVIEW)):
        return Output.objects.none()
    return qs.filter(job__workspace__agreement__agency_id=actor.org_id)


def stuck_reviews(actor: Actor) -> list[Stuck]:
    """Outputs past their deadline in `pending` (reviewers) or `changes` (the operator). Reads only."""
    if not actor.is_system:
        authorize(actor, Perm.SANDBOX_OUTPUT_REVIEW)
    cal, today, n = calendar.current_calendar(), clock.today(), config.review_deadline_workdays()
    out = []
    for o in _open_outputs(actor).order_by("created_at", "id"):
        due = _due_on(o, cal, n)
        if rules.is_overdue(due_on=due, today=today):
            since = clock.local_date(o.status_at or o.created_at)
            out.append(
                Stuck(o.pk, o.job_id, o.name, o.status, o.version, since, due, o.alerted_status == o.status)
            )
    return out


def sweep_stuck(actor: Actor = SWEEPER) -> list[Stuck]:
    """List the overdue outputs and record one ledger alert per output and status (idempotent)."""
    return _sweep(actor)[0]


def alert_stuck_reviews() -> int:
    """The periodic sweep (`shuyu.ops.sweeps`, `shuyu worker`): how many alerts it recorded now."""
    return _sweep(SWEEPER)[1]


def _sweep(actor: Actor) -> tuple[list[Stuck], int]:
    found = stuck_reviews(actor)
    fresh = [s for s in found if not s.alerted]
    recorded = 0
    if fresh:
        with transaction.atomic():
            for s in fresh:
                o = Output.objects.select_for_update().get(pk=s.output_id)
                if o.status != s.status or o.alerted_status == o.status:
                    continue  # moved on, or another sweep alerted first
                o.alerted_status = o.status
                o.save(update_fields=["alerted_status"])
                ledger.append(
                    actor,
                    "sandbox.output.overdue",
                    o,
                    {
                        "job": o.job_id,
                        "status": o.status,
                        "version": s.version,
                        "since": s.since,
                        "due_on": s.due_on,
                        "workdays": config.review_deadline_workdays(),
                    },
                )
                recorded += 1
    return [dataclasses.replace(s, alerted=True) for s in found], recorded
