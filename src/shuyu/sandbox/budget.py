"""Privacy-loss budgets and DP releases (第十八条 隐私计算, R18.2).

The implementing agency sets (ε, δ) per agreement × resource. An operator sees the cost of a declared
DP query and the remaining budget before spending (`estimate`); submitting refuses a query the budget
cannot pay for; the worker computes and noises the aggregate inside the jail and spends the budget in
the same transaction as the release (`charge`, under `select_for_update`), so two releases racing for
the last ε cannot both pass. Without a budget row the budget is zero: fail closed. The ledger gets
every budget change and every release with its parameters (ε, δ, bounds, k, mechanism, scale) — never
a true (un-noised) value, which never leaves the jail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from shuyu import ledger
from shuyu.authorization.models import Agreement
from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError, NotFound
from shuyu.core.permissions import Perm, authorize

from . import dp, engine, jail, selectors
from .gate import GateOutcome, Reason, Verdict
from .models import DpBudget, DpRelease, Job, JobKind, Output, Workspace

TOLERANCE = 1e-9  # relative: float sums of ε and δ
DELTA_SLACK = 1e-18  # absolute, for float sums of δ (every release's δ is at least ~1e-300, in practice ≫)


def _resources_of(agreement: Agreement) -> set[str]:
    return set(agreement.agreement_resources.values_list("resource__code", flat=True))


def _float(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not number == number or number in (float("inf"), float("-inf")) or number < 0:
        raise DomainError("R18.2", f"{what}须为非负有限数", f"{what} must be a non-negative finite number")
    return number


@transaction.atomic
def set_budget(
    actor: Actor, *, agreement_id: int, resource: str, epsilon: float, delta: float = 0.0
) -> DpBudget:
    """The agency sets the total (ε, δ) of one agreement on one resource; never below what is spent."""
    authorize(actor, Perm.SANDBOX_DP_BUDGET_SET)
    agreement = Agreement.objects.select_for_update().filter(pk=agreement_id).first()
    if agreement is None or agreement.agency_id != actor.org_id:
        raise NotFound("agreement", agreement_id=agreement_id)
    authorize(actor, Perm.SANDBOX_DP_BUDGET_SET, org_id=agreement.agency_id)
    if resource not in _resources_of(agreement):
        raise DomainError("R18.2", "该资源不在协议范围内", "the resource is not in the agreement's scope")
    epsilon, delta = _float(epsilon, "ε"), _float(delta, "δ")
    if epsilon > 100 or delta >= 1e-3:
        raise DomainError("R18.2", "预算过大（ε ≤ 100，δ < 0.001）", "budget too large (ε ≤ 100, δ < 0.001)")
    budget = DpBudget.objects.select_for_update().filter(agreement=agreement, resource=resource).first()
    if budget is not None and (epsilon < budget.epsilon_spent or delta < budget.delta_spent):
        raise DomainError(
            "R18.2",
            "预算不得低于已用额度",
            "a budget cannot be set below what is already spent",
            epsilon_spent=budget.epsilon_spent,
            delta_spent=budget.delta_spent,
        )
    before = (budget.epsilon_total, budget.delta_total) if budget else (0.0, 0.0)
    if budget is None:
        budget = DpBudget(agreement=agreement, resource=resource)
    budget.epsilon_total, budget.delta_total = epsilon, delta
    budget.set_at, budget.set_by_person_id = clock.now(), actor.person_id
    budget.save()
    ledger.append(
        actor,
        "sandbox.dp_budget.set",
        budget,
        {
            "agreement": agreement.pk,
            "resource": resource,
            "epsilon_total": epsilon,
            "delta_total": delta,
            "before": list(before),
            "epsilon_spent": budget.epsilon_spent,
            "delta_spent": budget.delta_spent,
        },
    )
    return budget


@dataclass(frozen=True)
class BudgetLine:
    resource: str
    table: str
    epsilon_total: float
    delta_total: float
    epsilon_spent: float
    delta_spent: float

    @property
    def epsilon_remaining(self) -> float:
        return max(0.0, self.epsilon_total - self.epsilon_spent)

    @property
    def delta_remaining(self) -> float:
        return max(0.0, self.delta_total - self.delta_spent)


def budget_lines(ws: Workspace) -> list[BudgetLine]:
    """Every resource of the workspace with its budget (zero where none is set)."""
    rows = {b.resource: b for b in DpBudget.objects.filter(agreement_id=ws.agreement_id)}
    out = []
    for t in selectors.tables_for(ws):
        b = rows.get(t.resource_code)
        out.append(
            BudgetLine(
                t.resource_code,
                t.name,
                b.epsilon_total if b else 0.0,
                b.delta_total if b else 0.0,
                b.epsilon_spent if b else 0.0,
                b.delta_spent if b else 0.0,
            )
        )
    return out


def workspace_budgets(actor: Actor, *, workspace_id: int) -> list[BudgetLine]:
    """What a member (or the agreement's agency) sees: total, spent and remaining per resource."""
    ws = selectors.get_workspace_for(actor, workspace_id)
    if not (selectors.is_member(actor, ws) or actor.org_id == ws.agreement.agency_id):
        raise NotFound("workspace", workspace_id=workspace_id)
    return budget_lines(ws)


def affords(*, epsilon: float, delta: float, epsilon_remaining: float, delta_remaining: float) -> bool:
    """The one test of "the remaining budget pays for this release" (R18.2), for estimates and charges."""
    return (
        epsilon <= epsilon_remaining * (1 + TOLERANCE) + 1e-12
        and delta <= delta_remaining * (1 + TOLERANCE) + DELTA_SLACK
    )


@dataclass(frozen=True)
class Estimate:
    query: dp.DpQuery
    plan: dp.Plan
    resource: str
    epsilon_remaining: float
    delta_remaining: float

    @property
    def affordable(self) -> bool:
        return affords(
            epsilon=self.plan.epsilon,
            delta=self.plan.delta,
            epsilon_remaining=self.epsilon_remaining,
            delta_remaining=self.delta_remaining,
        )

    def as_dict(self) -> dict:
        return {
            "resource": self.resource,
            "statistic": self.query.statistic,
            "cells": len(self.query.cells),
            "contributions": self.query.contributions,
            "bounds": list(self.query.bounds) if self.query.bounds else None,
            **self.plan.as_dict(),
            "epsilon_remaining": self.epsilon_remaining,
            "delta_remaining": self.delta_remaining,
            "epsilon_remaining_after": max(0.0, self.epsilon_remaining - self.plan.epsilon),
            "delta_remaining_after": max(0.0, self.delta_remaining - self.plan.delta),
            "affordable": self.affordable,
        }


def _estimate(ws: Workspace, spec: dict) -> Estimate:
    tables = selectors.tables_for(ws)
    query = dp.parse_query(spec, [t.spec for t in tables])
    resource = {t.name: t.resource_code for t in tables}[query.table]
    budget = DpBudget.objects.filter(agreement_id=ws.agreement_id, resource=resource).first()
    return Estimate(
        query,
        dp.plan(query),
        resource,
        budget.epsilon_remaining if budget else 0.0,
        budget.delta_remaining if budget else 0.0,
    )


def _cost_text(epsilon: float, delta: float, epsilon_remaining: float, delta_remaining: float):
    """ "本次需 … 剩余 …" in both languages; δ is named when the release spends δ."""
    cost, left = f"ε={epsilon:g}", f"ε={epsilon_remaining:g}"
    if delta > 0:
        cost, left = f"{cost}、δ={delta:g}", f"{left}、δ={delta_remaining:g}"
    return cost, left, cost.replace("、", ", "), left.replace("、", ", ")


def _over_budget(est: Estimate) -> DomainError:
    zh_cost, zh_left, en_cost, en_left = _cost_text(
        est.plan.epsilon, est.plan.delta, est.epsilon_remaining, est.delta_remaining
    )
    return DomainError(
        "R18.2",
        f"隐私预算不足：本次需 {zh_cost}，剩余 {zh_left}",
        f"over the privacy budget: this release costs {en_cost}, {en_left} remains",
        epsilon_cost=est.plan.epsilon,
        epsilon_remaining=est.epsilon_remaining,
        delta_cost=est.plan.delta,
        delta_remaining=est.delta_remaining,
        resource=est.resource,
    )


def estimate(actor: Actor, *, workspace_id: int, spec: dict) -> Estimate:
    """The cost of a declared DP query and the remaining budget, before anything is spent."""
    from .services import _member_workspace

    ws = _member_workspace(actor, workspace_id)
    return _estimate(ws, spec)


def submit_dp_job(actor: Actor, *, workspace_id: int, spec: dict, revises=None) -> Job:
    """Queue a declared DP query; refused (nothing spent, nothing queued) if the budget cannot pay."""
    from .services import _check_in_force, _enqueue, _member_workspace, _refused

    ws = _member_workspace(actor, workspace_id)
    try:
        _check_in_force(ws.agreement)
        est = _estimate(ws, spec)
        if not est.affordable:
            raise _over_budget(est)
    except DomainError as err:
        _refused(actor, ws, JobKind.DP, json.dumps(spec, sort_keys=True, default=str), err)
        raise
    return _enqueue(actor, ws, JobKind.DP, est.query.canonical(), [est.resource], revises)


# --- in the worker ---------------------------------------------------------------------------------------


def gate_dp(job: Job, ws: Workspace, limits: jail.Limits) -> GateOutcome:
    """Run the declared query in the jail; the outcome carries noised values and the plan only."""

    from .services import _project

    tables = selectors.tables_for(ws)
    query = dp.parse_query(json.loads(job.code), [t.spec for t in tables])  # the scope may have changed
    plan = dp.plan(query)
    inputs = _project(ws, [t for t in tables if t.name == query.table])
    noisy = engine.run_dp(
        dp.aggregate_sql(query),
        table=query.table,
        cells=query.cells,
        parts=[p.as_dict() for p in plan.parts],
        inputs=inputs,
        limits=limits,
    )
    columns, rows = dp.release_rows(query, noisy)
    facts = {**plan.as_dict(), **_parameters(query)}
    reason = Reason(
        "R18.2",
        "dp_release",
        Verdict.PASS,
        f"差分隐私发布：ε={plan.epsilon:g}，δ={plan.delta:g}，每个披露单元至多 {query.contributions} 行",
        f"differentially private release: ε={plan.epsilon:g}, δ={plan.delta:g}, "
        f"at most {query.contributions} rows per disclosure unit",
        facts=facts,
    )
    return GateOutcome(Verdict.PASS, [reason], columns, rows, [])


def _parameters(query: dp.DpQuery) -> dict:
    return {
        "statistic": query.statistic,
        "table": query.table,
        "measure": query.measure,
        "group_by": list(query.group_by),
        "cells": len(query.cells),
        "bounds": list(query.bounds) if query.bounds else None,
        "bounds_source": "declared" if query.bounds else None,
        "contributions": query.contributions,
        "precision": query.precision,
    }


@dataclass(frozen=True)
class Charge:
    budget: DpBudget
    epsilon: float
    delta: float
    parameters: dict


def charge(job: Job, outcome: GateOutcome) -> Charge:
    """Spend the release's (ε, δ) under a row lock; must run inside the release's transaction.

    Raises R18.2 (and the caller's transaction rolls back: nothing released, nothing spent) when the
    remaining budget cannot pay.
    """
    facts = outcome.reasons[0].facts
    resource = job.resources[0]
    ws = job.workspace
    budget = (
        DpBudget.objects.select_for_update().filter(agreement_id=ws.agreement_id, resource=resource).first()
    )
    remaining = budget.epsilon_remaining if budget else 0.0
    delta_remaining = budget.delta_remaining if budget else 0.0
    epsilon, delta = float(facts["epsilon"]), float(facts["delta"])
    if budget is None or not affords(
        epsilon=epsilon, delta=delta, epsilon_remaining=remaining, delta_remaining=delta_remaining
    ):
        zh_cost, zh_left, en_cost, en_left = _cost_text(epsilon, delta, remaining, delta_remaining)
        raise DomainError(
            "R18.2",
            f"隐私预算不足：本次需 {zh_cost}，剩余 {zh_left}；未发布，未扣减",
            f"over the privacy budget: this release costs {en_cost}, {en_left} remains; "
            "nothing was released or spent",
            code="over_budget",
        )
    # The row lock serializes releases on PostgreSQL (SQLite's IMMEDIATE transactions serialize all
    # writers); the conditional update is a second guard: it spends only if the budget still covers it.
    spent = DpBudget.objects.filter(
        pk=budget.pk,
        epsilon_spent__lte=F("epsilon_total") * (1 + TOLERANCE) + 1e-12 - epsilon,
        delta_spent__lte=F("delta_total") * (1 + TOLERANCE) + DELTA_SLACK - delta,
    ).update(epsilon_spent=F("epsilon_spent") + epsilon, delta_spent=F("delta_spent") + delta)
    if spent != 1:
        raise DomainError(
            "R18.2",
            "隐私预算不足；未发布，未扣减",
            "over the privacy budget; nothing was released or spent",
            code="over_budget",
        )
    budget.refresh_from_db()
    return Charge(budget, epsilon, delta, dict(facts))


def record_release(actor: Actor, charge_: Charge, output: Output) -> DpRelease:
    release = DpRelease.objects.create(
        budget=charge_.budget,
        output=output,
        epsilon=charge_.epsilon,
        delta=charge_.delta,
        parameters=charge_.parameters,
        released_at=clock.now(),
    )
    b = charge_.budget
    ledger.append(
        actor,
        "sandbox.dp.released",
        output,
        {
            **charge_.parameters,
            "job": output.job_id,
            "resource": b.resource,
            "agreement": b.agreement_id,
            "sha256": output.sha256,
            "epsilon_remaining": b.epsilon_remaining,
            "delta_remaining": b.delta_remaining,
        },
    )
    return release
