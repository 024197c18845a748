"""Use cases of the secure environment (第四条、第十八条、第十九条、第二十九条).

submit → (worker) run → gate → review → download. Jobs never run in the web process: a submitted job
is a `queued` row that `run_pending` (the `shuyu worker` command) claims with `select_for_update(skip_locked)`.
Every act goes to the ledger with the job's code hash, the resources touched and the outputs' hashes;
a refused submission creates nothing but a ledger entry of the refusal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from shuyu import ledger
from shuyu.authorization.models import Agreement
from shuyu.core import clock, config
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError, NotFound
from shuyu.core.permissions import Perm, authorize

from . import engine, jail, prior_approval, rules, selectors, sqlpolicy
from .gate import GateOutcome, GateSettings, Population, Verdict, gate_declared_aggregate, gate_sql
from .models import (
    AgreementGateSettings,
    Job,
    JobKind,
    JobStatus,
    Output,
    OutputStatus,
    ReleasedPopulation,
    Workspace,
)

WORKER = Actor.system("sandbox-worker")


def default_limits() -> jail.Limits:
    return jail.Limits(wall_seconds=120, duckdb_memory="512MB", duckdb_threads=2)


# --- release history -------------------------------------------------------------------------------------


class DatabaseReleaseHistory:
    """The gate's `ReleaseHistory`, persistent: per resource across all of an operator's work (R19.2)."""

    def __init__(self, operator_id: int, output: Output | None = None) -> None:
        self.operator_id = operator_id
        self.output = output

    def populations(self, resource: str) -> Sequence[Population]:
        rows = ReleasedPopulation.objects.filter(operator_id=self.operator_id, resource=resource).order_by(
            "id"
        )
        return tuple(population_from_json(r.resource, r.label, r.members) for r in rows)

    def record(self, populations: Sequence[Population]) -> None:
        if self.output is None:
            raise ValueError("a release is recorded against its output")
        now = clock.now()
        ReleasedPopulation.objects.bulk_create(
            ReleasedPopulation(
                operator_id=self.operator_id,
                resource=p.resource,
                label=p.label[:200],
                members=population_json(p),
                output=self.output,
                released_at=now,
            )
            for p in populations
        )


def _population_root() -> Path:
    """The population store: keyed hashes of contributors, in the domain, host-only, never served."""
    root = config.data_dir() / "sandbox" / "populations"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def population_json(p: Population) -> list[int] | dict:
    """How a population is stored: its members (small, in memory) or its place in the population store."""
    if p.members is not None:
        return sorted(p.members)
    assert p.source is not None
    path = Path(p.source[0]).resolve().relative_to(_population_root().resolve())
    return {"file": str(path), "pop": int(p.source[1]), "size": int(p.size)}


def population_from_json(resource: str, label: str, value) -> Population:
    """The inverse of `population_json`; a stored file must lie inside the population store."""
    if isinstance(value, list):
        return Population(resource, label, frozenset(int(m) for m in value))
    root = _population_root().resolve()
    path = (root / str(value["file"])).resolve()
    if root not in path.parents:
        raise ValueError("a population file outside the store")
    return Population(resource, label, size=int(value["size"]), source=(str(path), int(value["pop"])))


def _salt(operator_id: int) -> str:
    """Keyed hashes of contributors: one key per operator, so its releases can be compared (R19.2)."""
    return hmac.new(config.pii_hash_key(), f"sandbox:{operator_id}".encode(), hashlib.sha256).hexdigest()[:32]


def _check_in_force(agreement: Agreement) -> None:
    rules.check_agreement_in_force(status=agreement.status, ends_on=agreement.ends_on, today=clock.today())


def _sha256(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


# --- workspaces ------------------------------------------------------------------------------------------


@transaction.atomic
def create_workspace(actor: Actor, *, agreement_id: int, name: str) -> Workspace:
    """An operator opens a workspace on its own agreement in force (R19.1)."""
    authorize(actor, Perm.SANDBOX_WORKSPACE_CREATE)
    agreement = Agreement.objects.filter(pk=agreement_id, operator_id=actor.org_id).first()
    if agreement is None:
        raise NotFound("agreement", agreement_id=agreement_id)
    authorize(actor, Perm.SANDBOX_WORKSPACE_CREATE, org_id=agreement.operator_id)
    _check_in_force(agreement)
    name = name.strip()
    if not name or len(name) > 100:
        raise DomainError("R19.1", "工作区名称为空或过长", "the workspace name is empty or too long")
    if Workspace.objects.filter(agreement=agreement, name=name).exists():
        raise DomainError("R19.1", "同一协议下已有同名工作区", "a workspace of this name exists")
    ws = Workspace.objects.create(
        agreement=agreement,
        operator_id=agreement.operator_id,
        name=name,
        created_at=clock.now(),
        created_by_person_id=actor.person_id,
    )
    ledger.append(
        actor,
        "sandbox.workspace.created",
        ws,
        {"agreement": agreement.pk, "resources": [t.resource_code for t in selectors.tables_for(ws)]},
    )
    return ws


def gate_settings_for(agreement_id: int) -> GateSettings:
    row = AgreementGateSettings.objects.filter(agreement_id=agreement_id).first()
    return GateSettings(**row.settings) if row else GateSettings()


GATE_SETTING_NAMES = ("threshold", "dominance_n", "dominance_k", "p_percent", "zeros_disclosive")


@transaction.atomic
def set_gate_settings(actor: Actor, *, agreement_id: int, **values) -> GateSettings:
    """The implementing agency sets the gate's parameters of one of its agreements (R19.2).

    Never laxer than ACRO's defaults: a threshold under 10, k over 0.90 or p under 10 % is refused.
    """
    # Role first, then "missing" and "another agency's" answer alike, so agreement ids cannot be probed.
    authorize(actor, Perm.SANDBOX_OUTPUT_REVIEW)
    agreement = Agreement.objects.select_for_update().filter(pk=agreement_id).first()
    if agreement is None or agreement.agency_id != actor.org_id:
        raise NotFound("agreement", agreement_id=agreement_id)
    unknown = set(values) - set(GATE_SETTING_NAMES)
    if unknown:
        raise DomainError("R19.2", "未知的输出审查参数", "unknown gate setting", names=sorted(unknown))
    try:
        settings = GateSettings(**values)
    except (TypeError, ValueError):
        raise DomainError("R19.2", "输出审查参数无效", "invalid gate settings") from None
    rules.check_gate_settings_not_laxer(
        threshold=settings.threshold, dominance_k=settings.dominance_k, p_percent=settings.p_percent
    )
    AgreementGateSettings.objects.update_or_create(
        agreement=agreement,
        defaults={"settings": dict(values), "set_at": clock.now(), "set_by_person_id": actor.person_id},
    )
    ledger.append(actor, "sandbox.gate_settings.set", agreement, dict(values))
    return settings


def _member_workspace(actor: Actor, workspace_id: int) -> Workspace:
    ws = selectors.get_workspace_for(actor, workspace_id)
    if not selectors.is_member(actor, ws):
        raise NotFound("workspace", workspace_id=workspace_id)
    authorize(actor, Perm.SANDBOX_JOB_SUBMIT, org_id=ws.operator_id)
    return ws


def mock_parquet(actor: Actor, *, workspace_id: int, table: str, rows: int = 200, seed: int = 0) -> bytes:
    """Mock rows of one of the workspace's tables, from its schema alone (never a raw value)."""
    from .mock import write_mock_parquet

    ws = _member_workspace(actor, workspace_id)
    specs = {t.name: t.spec for t in selectors.tables_for(ws)}
    if table not in specs:
        raise NotFound("table")
    if not 0 < rows <= 100_000:
        raise DomainError("R19.1", "模拟数据行数须在1到100000之间", "mock rows must be 1 to 100000")
    with tempfile.TemporaryDirectory(prefix="shuyu-mock-") as folder:
        dest = Path(folder) / f"{table}.parquet"
        write_mock_parquet(specs[table], dest, rows=rows, seed=seed)
        data = dest.read_bytes()
    with transaction.atomic():
        ledger.append(actor, "sandbox.mock.downloaded", ws, {"table": table, "rows": rows})
    return data


# --- submitting ------------------------------------------------------------------------------------------


def _refused(actor: Actor, ws: Workspace, kind: str, code: str, err: DomainError) -> None:
    """A refused submission is a refused sensitive act: record it (code hash only), create nothing else."""
    with transaction.atomic():
        ledger.append(
            actor,
            "sandbox.job.refused",
            ws,
            {"kind": kind, "code_sha256": _sha256(code), "requirement": err.requirement},
        )


@transaction.atomic
def _enqueue(
    actor: Actor, ws: Workspace, kind: str, code: str, resources: list[str], revises: Output | None = None
) -> Job:
    # A revision after 附条件批准 is linked when it is created, so no worker can run it as a plain job
    # (and release it on a pass) before the link exists (R19.2).
    job = Job.objects.create(
        workspace=ws,
        kind=kind,
        code=code,
        code_sha256=_sha256(code),
        status=JobStatus.QUEUED,
        resources=resources,
        submitted_at=clock.now(),
        submitted_by_person_id=actor.person_id,
        revises=revises,
        revision=revises.job.revision + 1 if revises is not None else 1,
    )
    ledger.append(
        actor,
        "sandbox.job.submitted",
        job,
        {"workspace": ws.pk, "kind": kind, "code_sha256": job.code_sha256, "resources": resources},
    )
    transaction.on_commit(lambda: _notify_workers(job.pk))
    return job


def _notify_workers(job_id: int) -> None:
    """The queue is the Job table (works on SQLite and PostgreSQL): workers poll it; nothing to send."""


def submit_sql_job(actor: Actor, *, workspace_id: int, sql: str, revises: Output | None = None) -> Job:
    """Check the query at submission (R19.1, R04.1) and queue it; a refusal leaves only a ledger entry."""
    ws = _member_workspace(actor, workspace_id)
    try:
        rules.check_code_size(sql)
        _check_in_force(ws.agreement)
        tables = selectors.tables_for(ws)
        checked = sqlpolicy.check_sql(sql, [t.spec for t in tables])
    except DomainError as err:
        _refused(actor, ws, JobKind.SQL, sql, err)
        raise
    codes = {t.name: t.resource_code for t in tables}
    return _enqueue(actor, ws, JobKind.SQL, sql, sorted(codes[n] for n in checked.tables), revises)


def submit_python_job(actor: Actor, *, workspace_id: int, code: str, revises: Output | None = None) -> Job:
    """Queue a Python script; it runs in the jail with every in-scope table (R19.1)."""
    ws = _member_workspace(actor, workspace_id)
    try:
        rules.check_code_size(code)
        _check_in_force(ws.agreement)
        try:
            compile(code, "main.py", "exec")  # parsed only, never run here
        except (SyntaxError, ValueError):
            raise DomainError("R19.1", "脚本有语法错误", "the script has a syntax error") from None
        tables = selectors.tables_for(ws)
    except DomainError as err:
        _refused(actor, ws, JobKind.PYTHON, code, err)
        raise
    return _enqueue(actor, ws, JobKind.PYTHON, code, sorted(t.resource_code for t in tables), revises)


@transaction.atomic
def cancel_job(actor: Actor, *, job_id: int) -> Job:
    job = selectors.get_job_for(actor, job_id)
    _member_workspace(actor, job.workspace_id)
    job = Job.objects.select_for_update().get(pk=job.pk)
    rules.check_job_transition(job.status, JobStatus.CANCELLED)
    job.status = JobStatus.CANCELLED
    job.finished_at = clock.now()
    job.save(update_fields=["status", "finished_at"])
    ledger.append(actor, "sandbox.job.cancelled", job, {"code_sha256": job.code_sha256})
    return job


# --- the worker ------------------------------------------------------------------------------------------


@transaction.atomic
def claim_next_job() -> int | None:
    """Take the oldest queued job; None if the queue is empty.

    PostgreSQL skips rows another worker holds (`skip_locked`); SQLite ignores row locks, so the claim is
    also a conditional update: of two workers that read the same row, only one moves it to running.
    """
    while True:
        job = (
            Job.objects.select_for_update(skip_locked=True)
            .filter(status=JobStatus.QUEUED)
            .order_by("id")
            .first()
        )
        if job is None:
            return None
        now = clock.now()
        if Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, started_at=now
        ):
            break
    ledger.append(WORKER, "sandbox.job.started", job, {"code_sha256": job.code_sha256})
    return job.pk


STALE_AFTER = dt.timedelta(minutes=30)  # far past any job's wall-clock limit


def fail_stale_jobs(*, older_than: dt.timedelta = STALE_AFTER) -> int:
    """Jobs left `running` by a worker that died (the jail killed with it) are failed, never re-run."""
    cutoff = clock.now() - older_than
    n = 0
    for job_id in Job.objects.filter(status=JobStatus.RUNNING, started_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        err = DomainError("R18.1", "作业进程中断，作业未完成", "the worker stopped; the job did not finish")
        _fail(Job.objects.get(pk=job_id), "worker_lost", err, "")
        n += 1
    return n


def run_pending(*, limit: int | None = None, limits: jail.Limits | None = None) -> int:
    """Run queued jobs until none is left (or `limit` ran); returns how many ran."""
    ran = 0
    while limit is None or ran < limit:
        job_id = claim_next_job()
        if job_id is None:
            break
        run_job(job_id, limits=limits)
        ran += 1
    return ran


def _projection_root() -> Path:
    root = config.data_dir() / "sandbox" / "projected"
    root.mkdir(parents=True, exist_ok=True)
    for p in (root, root.parent):
        p.chmod(0o755)  # the jail's uid must reach the files (each file is root:jail 0640)
    return root


def _project(ws: Workspace, tables: list[selectors.WorkspaceTable]) -> dict[str, Path]:
    """Per-agreement projected Parquet files: only the granted fields of the latest vault version."""
    from shuyu.catalog.selectors import vault_facts

    folder = _projection_root() / f"w{ws.pk}"
    folder.mkdir(exist_ok=True)
    folder.chmod(0o755)
    inputs = {}
    for t in tables:
        try:
            facts = vault_facts(t.resource_id)
        except NotFound:
            raise DomainError(
                "R19.1",
                "数据资源尚未加载入库，无法运行作业",
                "a resource of the workspace has no version in the vault yet",
                code="no_version",
            ) from None
        dest = folder / f"{t.name}-v{facts.version_number}-{facts.manifest_sha256[:12]}.parquet"
        if not dest.exists():
            engine.project_parquet([Path(p) for p in facts.paths], t.spec, dest)
        inputs[t.name] = dest
    return inputs


def _project_keyed(ws: Workspace, tables: list[selectors.WorkspaceTable], salt: str) -> dict[str, Path]:
    """The gate's keyed projections (granted fields + the contributors' keyed hash), one per version and key.

    Only the gate's statistics read them (never an operator's SQL or Python); they make the exact
    per-contributor counting group a 64-bit key instead of hashing every row (R19.2).
    """
    from shuyu.catalog.selectors import vault_facts

    from .gate import populations

    folder = _projection_root() / f"w{ws.pk}"
    folder.mkdir(exist_ok=True)
    folder.chmod(0o755)
    key = _sha256(salt)[:12]
    keyed = {}
    for t in tables:
        if t.spec.unit is None:
            continue
        facts = vault_facts(t.resource_id)
        dest = folder / f"{t.name}-v{facts.version_number}-{facts.manifest_sha256[:12]}-k{key}.units.parquet"
        if not dest.exists():
            populations.project_units([Path(p) for p in facts.paths], t.spec, salt, dest)
        keyed[t.name] = dest
    return keyed


@dataclass
class _Gated:
    name: str
    outcome: GateOutcome


def _gate_job(job: Job, ws: Workspace, limits: jail.Limits) -> tuple[list[_Gated], str]:
    tables = selectors.tables_for(ws)
    specs = [t.spec for t in tables]
    settings = gate_settings_for(ws.agreement_id)
    history = DatabaseReleaseHistory(ws.operator_id)
    salt = _salt(ws.operator_id)
    common = dict(
        limits=limits,
        settings=settings,
        history=history,
        salt=salt,
        resource_of={t.name: t.resource_code for t in tables},
        population_dir=_population_root() / f"o{ws.operator_id}",
    )
    if job.kind == JobKind.DP:
        from .budget import gate_dp

        return [_Gated("result", gate_dp(job, ws, limits))], ""  # noised in the jail (R18.2)
    if job.kind == JobKind.SQL:
        checked = sqlpolicy.check_sql(job.code, specs)  # again: the scope may have changed since submission
        used = [t for t in tables if t.name in checked.tables]
        inputs, keyed = _project(ws, used), _project_keyed(ws, used, salt)
        outcome = gate_sql(checked, inputs=inputs, keyed_inputs=keyed, label=f"job{job.pk}", **common)
        return [_Gated("result", outcome)], ""
    inputs = _project(ws, tables)
    run, _raw = engine.run_python(job.code.encode(), inputs=inputs, limits=limits)  # raw stays here
    if run.status != "ok":
        code = {"timeout": "timeout", "killed": "killed"}.get(run.status, "script_error")
        raise DomainError(
            "R18.1", f"脚本运行失败（{code}）", f"the script failed ({code})", code=code, log=run.log
        )
    gated = []
    for filename in sorted(run.files):
        name = filename.rsplit(".", 1)[0][:64]
        outcome = gate_declared_aggregate(
            run.files[filename],
            tables=specs,
            inputs=inputs,
            keyed_inputs=_project_keyed(ws, tables, salt),
            label=f"job{job.pk}/{name}",
            **common,
        )
        gated.append(_Gated(name, outcome))
    if run.rejected:
        gated.append(
            _Gated(
                "__rejected_files",  # job files start with a letter: no clash
                GateOutcome(
                    Verdict.BLOCK,
                    [
                        _reason_block(
                            "R19.2",
                            "undeclared_file",
                            "作业写出了未声明类型的文件（如模型文件），已拦截",
                            "the job wrote files of undeclared kinds (e.g. models); they were blocked",
                            {"files": run.rejected},
                        )
                    ],
                    [],
                    [],
                ),
            )
        )
    return gated, run.log


def _reason_block(requirement, code, zh, en, facts):
    from .gate import Reason

    return Reason(requirement, code, Verdict.BLOCK, zh, en, facts=facts)


def run_job(job_id: int, *, limits: jail.Limits | None = None) -> Job:
    """Run one claimed job in the jail and gate its outputs; never raises for the job's own failures."""
    job = Job.objects.select_related("workspace", "workspace__agreement").get(pk=job_id)
    rules.check_job_transition(job.status, JobStatus.GATED)  # a running job only
    ws = job.workspace
    limits = limits or default_limits()
    try:
        _check_in_force(ws.agreement)  # R29.1: a suspension stops queued jobs too
        if _held_for_association_approval(job, ws, limits):
            return Job.objects.get(pk=job.pk)
        gated, log = _gate_job(job, ws, limits)
    except DomainError as err:
        return _fail(job, err.context.get("code") or "refused", err, str(err.context.get("log", "")))
    except jail.JailUnavailable:
        err = DomainError(
            "R18.1", "隔离环境不可用，作业未运行", "the jail is unavailable; the job did not run"
        )
        return _fail(job, "jail_unavailable", err, "")
    except Exception:  # noqa: BLE001 — an engine's text can carry row values: only a fixed message leaves
        err = DomainError("R18.1", "作业运行出错", "the job failed inside the environment")
        return _fail(job, "internal", err, "")
    try:
        return _finish(job, gated, log)
    except DomainError as err:  # a DP release over budget: rolled back, nothing released or spent
        return _fail(job, err.context.get("code") or "refused", err, "")


def _held_for_association_approval(job: Job, ws: Workspace, limits: jail.Limits) -> bool:
    """关联汇聚风险 (R23.5): score a combining job in the jail; above the threshold it waits for approval."""
    if prior_approval.is_approved(job):
        return False  # decided by the agency: not scored again

    tables = selectors.tables_for(ws)
    assessment = prior_approval.assess(job, ws, tables, lambda chosen: _project(ws, chosen), limits)
    if assessment is None:
        return False
    if assessment.needs_approval:
        prior_approval.hold_for_approval(job, assessment)
        return True
    prior_approval.record_assessment(job, assessment)
    return False


def _as_json(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _reason_dict(r) -> dict:
    return {
        "requirement": r.requirement,
        "code": r.code,
        "verdict": r.verdict.label,
        "zh": r.zh,
        "en": r.en,
        "cell": r.cell,
        "measure": r.measure,
        "facts": _as_json(r.facts),
    }


@transaction.atomic
def _fail(job: Job, code: str, err: DomainError, log: str) -> Job:
    job = Job.objects.select_for_update().get(pk=job.pk)
    rules.check_job_transition(job.status, JobStatus.FAILED)
    job.status = JobStatus.FAILED
    job.error_code = code[:40]
    job.error_requirement = err.requirement
    job.error_zh = err.zh[:200]  # our own fixed messages: they never carry a row value
    job.error_en = err.en[:200]
    job.log = log[:200]
    job.finished_at = clock.now()
    job.save()
    ledger.append(
        WORKER,
        "sandbox.job.failed",
        job,
        {"code_sha256": job.code_sha256, "error": job.error_code, "requirement": err.requirement},
    )
    return job


def _reviewed_again(outcome: GateOutcome) -> GateOutcome:
    """A changed output resets its reviews: even when the gate passes it, both reviews decide again."""
    from dataclasses import replace

    from .gate import Reason

    again = Reason(
        "R19.2",
        "revision_reviewed_again",
        Verdict.REVIEW,
        "附条件批准后修改的输出须重新经安全审查和业务审查",
        "an output changed after approval subject to change is reviewed again (security and business)",
    )
    return replace(outcome, verdict=Verdict.REVIEW, reasons=[*outcome.reasons, again])


@transaction.atomic
def _finish(job: Job, gated: list[_Gated], log: str) -> Job:
    job = Job.objects.select_for_update().get(pk=job.pk)
    now = clock.now()
    statuses = []
    dp_charge = None
    if job.kind == JobKind.DP:
        from .budget import charge

        dp_charge = charge(job, gated[0].outcome)  # spent in this transaction, with the release (R18.2)
    for g in gated:
        o = g.outcome
        if job.revises_id and o.verdict == Verdict.PASS:
            o = _reviewed_again(o)  # a revision after 附条件批准 is seen by both reviewers again (R19.2)
        columns, rows = _as_json(o.columns), _as_json(o.rows)
        status = {
            Verdict.PASS: OutputStatus.RELEASED,
            Verdict.REVIEW: OutputStatus.PENDING,
            Verdict.BLOCK: OutputStatus.BLOCKED,
        }[o.verdict]
        output = Output.objects.create(
            job=job,
            name=g.name,
            verdict=o.verdict.label,
            reasons=[_reason_dict(r) for r in o.reasons],
            status=status,
            columns=columns,
            rows=rows if o.verdict != Verdict.BLOCK else [],  # a blocked table is not kept at all
            sha256=_sha256(json.dumps({"columns": columns, "rows": rows}, sort_keys=True)),
            # a blocked output's populations are never released nor reviewed: not kept (files removed below)
            populations=[]
            if o.verdict == Verdict.BLOCK
            else [[p.resource, p.label, population_json(p)] for p in o.populations],
            created_at=now,
            released_at=now if status == OutputStatus.RELEASED else None,
        )
        ledger.append(
            WORKER,
            "sandbox.output.gated",
            output,
            {
                "job": job.pk,
                "verdict": output.verdict,
                "reasons": sorted({r.code for r in o.reasons}),
                "sha256": output.sha256,
            },
        )
        if dp_charge is not None:
            from .budget import record_release

            record_release(WORKER, dp_charge, output)
        if status == OutputStatus.RELEASED:
            DatabaseReleaseHistory(job.workspace.operator_id, output).record(o.populations)
            ledger.append(
                WORKER, "sandbox.output.released", output, {"sha256": output.sha256, "by": "gate_pass"}
            )
        statuses.append(status)
        if o.verdict == Verdict.BLOCK:
            transaction.on_commit(lambda files=list(o.files): [f.unlink(missing_ok=True) for f in files])
    job.status = rules.job_status_after_gate(statuses)
    job.log = log[:200]
    job.finished_at = now
    job.save()
    ledger.append(
        WORKER,
        "sandbox.job.finished",
        job,
        {"code_sha256": job.code_sha256, "status": job.status, "resources": job.resources},
    )
    return job


# --- review and download ---------------------------------------------------------------------------------


def review_output(
    actor: Actor,
    *,
    output_id: int,
    kind: str,
    decision: str,
    note: str,
    changes: list[dict] | None = None,
) -> Output:
    """One of the two reviews of an output marked review (R19.2 四眼原则); see `review.decide`."""
    from . import review

    return review.decide(
        actor, output_id=output_id, kind=kind, decision=decision, note=note, changes=changes
    ).output


@dataclass(frozen=True)
class ReleasedTable:
    name: str
    columns: list
    rows: list
    sha256: str


@transaction.atomic
def download_released_output(actor: Actor, *, output_id: int) -> ReleasedTable:
    """Only released outputs, only to the workspace's members (第四条：原始数据不出域)."""
    output = selectors.get_output_for(actor, output_id)
    ws = output.job.workspace
    if not selectors.is_member(actor, ws):
        raise NotFound("output", output_id=output_id)
    rules.check_output_released(output.status)
    ledger.append(actor, "sandbox.output.downloaded", output, {"sha256": output.sha256})
    return ReleasedTable(output.name, list(output.columns), list(output.rows), output.sha256)
