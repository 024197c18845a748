"""`shuyu sandbox …`: check the jail, lint a query against a schema, make mock data (R19.1, R04.1).

These commands need no data: `check-sql` and `mock` work from a schema document outside the domain, so
an operator writes and tests queries against mock data before submitting them.
"""

import json
from pathlib import Path

import typer

from .common import TokenOpt, console, domain_errors, err_console

app = typer.Typer(help="安全开发环境 / secure development environment", no_args_is_help=True)

SchemaOpt = typer.Option(..., "--schema", help="表结构 JSON / schema document (tables, fields, rules)")


def _specs(schema: Path):
    from shuyu.sandbox.schema import specs_from_json

    try:
        return specs_from_json(json.loads(schema.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError, OSError) as exc:
        err_console.print(f"[red]表结构文件无效 / invalid schema document: {type(exc).__name__}[/red]")
        raise typer.Exit(2) from None


@app.command("check-sql")
@domain_errors
def check_sql(
    query: Path = typer.Argument(..., help="SQL 文件 / query file"), schema: Path = SchemaOpt
) -> None:
    """按工作区规则检查查询 / check a query against the SQL policy (no data is read)."""
    from shuyu.sandbox import sqlpolicy

    checked = sqlpolicy.check_sql(query.read_text(encoding="utf-8"), _specs(schema))
    console.print("[green]通过 / allowed[/green]")
    console.print(checked.sql)


@app.command("mock")
@domain_errors
def mock(
    table: str = typer.Option(..., "--table", help="表名 / table name"),
    schema: Path = SchemaOpt,
    rows: int = typer.Option(1000, "--rows"),
    seed: int = typer.Option(0, "--seed"),
    output: Path = typer.Option(..., "-o", "--output", help="Parquet 文件 / output file"),
) -> None:
    """生成模拟数据 / write mock rows that follow the schema (never a raw value)."""
    from shuyu.sandbox.mock import write_mock_parquet

    specs = {s.name: s for s in _specs(schema)}
    if table not in specs:
        err_console.print("[red]表不在表结构中 / table not in schema[/red]")
        raise typer.Exit(2)
    write_mock_parquet(specs[table], output, rows=rows, seed=seed)
    console.print(f"{rows} 行模拟数据 / mock rows → {output}")


@app.command("jail-check")
def jail_check() -> None:
    """检查隔离环境是否可用 / check that the bubblewrap jail works on this machine."""
    from shuyu.sandbox import engine, jail

    try:
        jail.check_available()
        run, _ = engine.run_python(
            b"import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=1)\n"
            b"    raise SystemExit(9)\nexcept OSError:\n    pass\n",
            inputs={},
            limits=jail.Limits(wall_seconds=20),
        )
    except jail.JailUnavailable as exc:
        err_console.print(f"[red]隔离环境不可用 / jail unavailable: {exc}[/red]")
        raise typer.Exit(1) from None
    if run.status != "ok":
        err_console.print(f"[red]隔离环境自检失败 / jail self-test failed: {run.log}[/red]")
        raise typer.Exit(1)
    console.print(
        "[green]隔离环境可用：无网络、独立用户、只读根 / jail ok: no network, own uid, read-only root[/green]"
    )


# --- workspaces, jobs, outputs: the operator's and the reviewer's commands (R19.1, R19.2) -----------------

workspace_app = typer.Typer(help="开发工作区 / workspaces", no_args_is_help=True)
mock_app = typer.Typer(help="模拟数据 / mock data", no_args_is_help=True)
job_app = typer.Typer(help="作业 / jobs", no_args_is_help=True)
output_app = typer.Typer(help="作业输出 / outputs", no_args_is_help=True)


def _actor(token):
    from .common import current_actor, setup_django

    setup_django()
    return current_actor(token)


def _reasons(reasons: list[dict]) -> None:
    for r in reasons:
        where = f" [cell {r['cell']}]" if r.get("cell") is not None else ""
        facts = ", ".join(f"{k}={v}" for k, v in (r.get("facts") or {}).items())
        console.print(
            f"  {r['verdict']:6} {r['requirement']} {r['code']}{where}: {r['zh']} / {r['en']} {facts}"
        )


def _print_job(job, actor=None) -> None:
    console.print(f"作业 / job {job.pk}: {job.status}（{job.get_status_display()}） kind={job.kind}")
    if job.association and actor is not None:
        from shuyu.sandbox import prior_approval

        facts = prior_approval.facts_for(actor, job)
        console.print(
            "  关联汇聚风险 / association (R23.5): "
            + " ".join(f"{k}={v}" for k, v in sorted(facts.items()) if k not in ("note",))
        )
    if job.error_code:
        console.print(
            f"  [red]{job.error_requirement} {job.error_code}: {job.error_zh} / {job.error_en}[/red]"
        )
    if job.log:
        console.print(f"  log: {job.log}")
    for o in job.outputs.order_by("id"):
        console.print(f"  输出 / output {o.pk} {o.name}: verdict={o.verdict} status={o.status}")
        _reasons(o.reasons)


@workspace_app.command("list")
@domain_errors
def workspace_list(token: str = TokenOpt) -> None:
    """列出可见的工作区 / list the workspaces you may see."""
    actor = _actor(token)
    from shuyu.sandbox import selectors

    for ws in selectors.workspaces_visible_to(actor).order_by("id"):
        tables = ", ".join(f"{t.name}（{t.resource_code}）" for t in selectors.tables_for(ws))
        console.print(f"{ws.pk}\t{ws.name}\t协议 {ws.agreement_id}（{ws.agreement.status}）\t{tables}")


@workspace_app.command("create")
@domain_errors
def workspace_create(
    agreement: int = typer.Option(..., "--agreement"),
    name: str = typer.Option(..., "--name"),
    token: str = TokenOpt,
) -> None:
    """在本单位的授权运营协议下新建工作区 / open a workspace on your agreement."""
    from shuyu.sandbox import services

    ws = services.create_workspace(_actor(token), agreement_id=agreement, name=name)
    console.print(f"工作区 / workspace {ws.pk} {ws.name}")


@workspace_app.command("schema")
@domain_errors
def workspace_schema(
    workspace: int = typer.Argument(...),
    output: Path = typer.Option(..., "-o", "--output"),
    token: str = TokenOpt,
) -> None:
    """写出工作区表结构（供 check-sql、mock 离线使用）/ write the schema for offline checks."""
    from shuyu.sandbox import selectors

    ws = selectors.get_workspace_for(_actor(token), workspace)
    output.write_text(
        json.dumps(selectors.schema_document(ws), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    console.print(f"表结构 / schema → {output}")


@mock_app.command("download")
@domain_errors
def mock_download(
    workspace: int = typer.Argument(...),
    table: str = typer.Argument(...),
    output: Path = typer.Option(..., "-o", "--output"),
    rows: int = typer.Option(200, "--rows"),
    seed: int = typer.Option(0, "--seed"),
    token: str = TokenOpt,
) -> None:
    """下载模拟数据（只按表结构生成）/ download mock rows (schema only, never raw values)."""
    from shuyu.sandbox import services

    data = services.mock_parquet(_actor(token), workspace_id=workspace, table=table, rows=rows, seed=seed)
    output.write_bytes(data)
    console.print(f"{rows} 行模拟数据 / mock rows → {output}")


@job_app.command("submit")
@domain_errors
def job_submit(
    workspace: int = typer.Argument(...),
    code: Path = typer.Argument(..., help="query.sql 或 script.py"),
    wait: bool = typer.Option(False, "--wait", help="等待作业完成 / wait for the result"),
    timeout: float = typer.Option(600, "--timeout"),
    token: str = TokenOpt,
) -> None:
    """提交作业；.py 为 Python 作业，否则为 SQL / submit a job (.py = Python, else SQL)."""
    from shuyu.sandbox import services

    actor = _actor(token)
    text = code.read_text(encoding="utf-8")
    if code.suffix == ".py":
        job = services.submit_python_job(actor, workspace_id=workspace, code=text)
    else:
        job = services.submit_sql_job(actor, workspace_id=workspace, sql=text)
    console.print(f"已提交 / submitted: job {job.pk}")
    if wait:
        _wait(actor, job, timeout)


def _wait(actor, job, timeout: float) -> None:
    import time

    from shuyu.sandbox import selectors

    deadline = time.monotonic() + timeout
    with console.status("排队中 / queued") as status:
        while job.status in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(1)
            job = selectors.get_job_for(actor, job.pk)
            status.update(f"{job.get_status_display()} / {job.status}")
    _print_job(job, actor)


@job_app.command("status")
@domain_errors
def job_status(job: int = typer.Argument(...), token: str = TokenOpt) -> None:
    """作业状态、审查结论与理由 / a job's status, verdicts and reasons."""
    from shuyu.sandbox import selectors

    actor = _actor(token)
    _print_job(selectors.get_job_for(actor, job), actor)


@job_app.command("approvals")
@domain_errors
def job_approvals(token: str = TokenOpt) -> None:
    """待本单位事前审批的关联汇聚作业 / jobs held for your agency's prior approval (R23.5)."""
    from shuyu.sandbox import prior_approval

    actor = _actor(token)
    for job in prior_approval.approval_queue(actor):
        _print_job(job, actor)


@job_app.command("decide")
@domain_errors
def job_decide(
    job: int = typer.Argument(...),
    approve: bool = typer.Option(
        None, "--approve/--reject", help="批准（重新排队）或驳回 / approve or reject"
    ),
    note: str = typer.Option(..., "--note", help="审批理由 / the reason"),
    token: str = TokenOpt,
) -> None:
    """事前审批关联汇聚作业 / decide a job held for association risk (R23.5)."""
    from shuyu.sandbox import prior_approval

    if approve is None:
        raise typer.BadParameter("须指定 --approve 或 --reject / give --approve or --reject")
    actor = _actor(token)
    decided = prior_approval.decide(actor, job_id=job, decision="approve" if approve else "reject", note=note)
    _print_job(decided, actor)


@job_app.command("cancel")
@domain_errors
def job_cancel(job: int = typer.Argument(...), token: str = TokenOpt) -> None:
    from shuyu.sandbox import services

    _print_job(services.cancel_job(_actor(token), job_id=job))


@job_app.command("run-pending")
def job_run_pending(limit: int = typer.Option(0, "--limit", help="0 = all")) -> None:
    """运行所有排队的作业后退出（测试、运维）/ run queued jobs once and exit."""
    from .common import setup_django

    setup_django()
    from shuyu.sandbox import services

    ran = services.run_pending(limit=limit or None)
    console.print(f"已运行 / ran {ran} 个作业 / jobs")


def worker(poll: float = typer.Option(2.0, "--poll", help="轮询间隔（秒）")) -> None:
    """后台作业进程：在隔离环境中运行排队的作业 / the background worker (never the web process)."""
    import time

    from .common import setup_django

    setup_django()
    from django.db import close_old_connections

    from shuyu.ops import sweeps
    from shuyu.sandbox import services

    console.print("作业进程已启动 / worker started")
    schedule = sweeps.Schedule()  # deadlines, stale jobs, stuck reviews, checkpoints: every 10 minutes
    while True:
        close_old_connections()
        schedule.run_if_due()  # includes failing jobs a dead worker left running (30 minutes and more)
        if services.run_pending(limit=1) == 0:
            time.sleep(poll)


@job_app.command("list")
@domain_errors
def job_list(
    workspace: int = typer.Argument(..., help="工作区编号 / workspace id"),
    token: str = TokenOpt,
) -> None:
    """工作区的作业（最近100个）/ the workspace's jobs (latest 100)."""
    from shuyu.sandbox import selectors

    actor = _actor(token)
    ws = selectors.get_workspace_for(actor, workspace)
    for job in selectors.jobs_visible_to(actor).filter(workspace=ws).order_by("-id")[:100]:
        console.print(
            f"{job.pk}\t{job.kind}\t{job.status}（{job.get_status_display()}）\t"
            f"{job.submitted_at:%Y-%m-%d %H:%M}\t{job.code_sha256[:12]}"
        )


@output_app.command("list")
@domain_errors
def output_list(
    workspace: int = typer.Option(None, "--workspace", help="只列此工作区 / only this workspace"),
    status: str = typer.Option(None, "--status", help="pending | changes | released | blocked | superseded"),
    token: str = TokenOpt,
) -> None:
    """可见的输出及其审查结论（不含数据）/ the outputs you may see, with verdicts (no data)."""
    from shuyu.sandbox import selectors

    qs = selectors.outputs_visible_to(_actor(token)).order_by("-id")
    if workspace is not None:
        qs = qs.filter(job__workspace_id=workspace)
    if status:
        qs = qs.filter(status=status)
    for o in qs[:200]:
        console.print(
            f"{o.pk}\tjob {o.job_id}\t{o.name}\tverdict={o.verdict}\t{o.status}（{o.get_status_display()}）"
        )


@output_app.command("show")
@domain_errors
def output_show(output: int = typer.Argument(...), token: str = TokenOpt) -> None:
    """输出的审查结论与理由（不含数据）/ an output's verdict and reasons (no data)."""
    from shuyu.sandbox import selectors

    o = selectors.get_output_for(_actor(token), output)
    console.print(f"输出 / output {o.pk} {o.name}: verdict={o.verdict} status={o.status} sha256={o.sha256}")
    _reasons(o.reasons)


@output_app.command("queue")
@domain_errors
def output_queue(token: str = TokenOpt) -> None:
    """待本单位审查的输出：已有审查、可作的审查、期限 / outputs awaiting your agency's two reviews."""
    from shuyu.sandbox import review

    for item in review.queue(_actor(token)):
        o = item.output
        done = ", ".join(f"{r.kind}={r.decision}" for r in item.reviews) or "—"
        late = "  [red]已逾期 / overdue[/red]" if item.overdue else ""
        console.print(
            f"{o.pk}\tjob {o.job_id}\t{o.name}\tv{o.version}\t已审 / done: {done}\t"
            f"可审 / yours: {', '.join(item.open_kinds) or '—'}\t期限 / due {item.due_on}{late}"
        )
        _reasons(o.reasons)


@output_app.command("review")
@domain_errors
def output_review(
    output: int = typer.Argument(...),
    kind: str = typer.Option(..., "--kind", help="security（安全审查）| business（业务审查）"),
    decision: str = typer.Option(
        ..., "--decision", help="approve（批准）| conditional（附条件批准）| reject（驳回）"
    ),
    note: str = typer.Option(..., "--note"),
    change: list[str] = typer.Option(
        [], "--change", help="附条件批准的修改要求：'suppress 3 说明'（动作 行号 说明），可多次"
    ),
    token: str = TokenOpt,
) -> None:
    """安全审查或业务审查：两人分别作出，均非提交人 / one of the two reviews (four eyes)."""
    from shuyu.sandbox import review, rules

    r = review.decide(
        _actor(token),
        output_id=output,
        kind=kind,
        decision=decision,
        note=note,
        changes=rules.parse_changes("\n".join(change)),
    )
    console.print(f"输出 / output {r.output.pk} v{r.version}: {r.kind}={r.decision} → {r.output.status}")


@output_app.command("resubmit")
@domain_errors
def output_resubmit(
    output: int = typer.Argument(...),
    code: Path = typer.Argument(..., help="修改后的 query.sql、script.py 或 dp.json"),
    token: str = TokenOpt,
) -> None:
    """附条件批准后提交新版本（重新审查）/ submit a new version of an output approved subject to change."""
    from shuyu.sandbox import review

    job = review.resubmit(_actor(token), output_id=output, code=code.read_text(encoding="utf-8"))
    console.print(f"已提交新版本 / new version v{job.revision}: job {job.pk}")


@output_app.command("stuck")
@domain_errors
def output_stuck(token: str = TokenOpt) -> None:
    """逾期未审结的输出，并记录预警（每个输出每种状态一次）/ overdue outputs; alerts recorded once."""
    from shuyu.sandbox import review

    found = review.sweep_stuck(_actor(token))
    for s in found:
        console.print(
            f"{s.output_id}\tjob {s.job_id}\t{s.name}\tv{s.version}\t{s.status}\t"
            f"自 / since {s.since}\t期限 / due {s.due_on}"
        )
    console.print(f"逾期 / overdue: {len(found)}")


@output_app.command("receipt")
@domain_errors
def output_receipt(
    output: int = typer.Argument(...),
    to: Path = typer.Option(..., "-o", "--output", help="回执文件 / receipt file (JSON)"),
    kind: str | None = typer.Option(None, "--kind", help="只取一种审查 / only this review kind"),
    token: str = TokenOpt,
) -> None:
    """导出审查决定的签名回执 / write the signed receipts of an output's review decisions."""
    from shuyu.sandbox import review

    found = review.receipts_for(_actor(token), output_id=output)
    if kind:
        found = [r for r in found if r["review"]["role"] == kind][-1:]
    data = found[0] if kind and found else found
    to.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    console.print(f"{len(found)} 份回执 / receipts → {to}")


@output_app.command("verify-receipt")
def output_verify_receipt(
    receipt: Path = typer.Argument(..., help="回执文件 / receipt file"),
    public_key: str | None = typer.Option(
        None,
        "--public-key",
        help="所信任的平台公钥（hex、指纹或 PEM 文件）/ trusted key, fingerprint or PEM file",
    ),
) -> None:
    """离线校验审查回执（无需数据库）/ verify review receipts offline (no database)."""
    from shuyu.sandbox import receipts

    try:
        data = json.loads(receipt.read_text(encoding="utf-8"))
        key = public_key
        if key and Path(key).is_file():
            key = Path(key).read_text(encoding="utf-8")
    except (OSError, ValueError) as e:
        err_console.print(f"[bold red]无法读取回执 / cannot read receipt[/bold red]: {type(e).__name__}")
        raise typer.Exit(1) from None
    items = data if isinstance(data, list) else [data]
    if not items:
        err_console.print("[bold red]文件中没有回执 / no receipt in the file[/bold red]")
        raise typer.Exit(1)
    for r in items:
        try:
            trusted = key or (r.get("signature") or {}).get("public_key", "")
            fingerprint = receipts.check_receipt(r, trusted)
        except (receipts.InvalidReceipt, AttributeError) as e:
            why = f"{e.zh} / {e.en}" if isinstance(e, receipts.InvalidReceipt) else "malformed receipt"
            err_console.print(f"[bold red]R19.2 回执校验失败 / receipt verification FAILED[/bold red]: {why}")
            raise typer.Exit(1) from None
        o, rv = r["output"], r["review"]
        console.print(
            f"[green]通过 / OK[/green]: output {o['id']} v{o['version']} sha256 {r['output_sha256']}: "
            f"{rv['role']}={rv['decision']} → {r['outcome']} at {r['decided_at']}, key {fingerprint}"
        )
    if not public_key:
        console.print("请将密钥指纹与平台公布的指纹比对 / compare the key fingerprint with the published one")


@output_app.command("download")
@domain_errors
def output_download(
    output: int = typer.Argument(...), to: Path = typer.Option(..., "-o", "--output"), token: str = TokenOpt
) -> None:
    """下载已放行的输出（CSV）/ download a released output as CSV."""
    import csv

    from shuyu.sandbox import services

    t = services.download_released_output(_actor(token), output_id=output)
    with to.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(t.columns)
        w.writerows(t.rows)
    console.print(f"{len(t.rows)} 行 / rows → {to}（sha256 {t.sha256}）")


@output_app.command("gate-settings")
@domain_errors
def output_gate_settings(
    agreement: int = typer.Option(..., "--agreement"),
    threshold: int = typer.Option(10, "--threshold", help="最少贡献者 / minimum contributors"),
    dominance_n: int = typer.Option(2, "--dominance-n"),
    dominance_k: float = typer.Option(0.90, "--dominance-k"),
    p_percent: float = typer.Option(0.10, "--p-percent"),
    token: str = TokenOpt,
) -> None:
    """实施机构设置协议的输出审查参数（不得宽于默认值）/ set an agreement's gate settings (agency)."""
    from shuyu.sandbox import services

    s = services.set_gate_settings(
        _actor(token),
        agreement_id=agreement,
        threshold=threshold,
        dominance_n=dominance_n,
        dominance_k=dominance_k,
        p_percent=p_percent,
    )
    console.print(f"threshold={s.threshold} dominance=({s.dominance_n}, {s.dominance_k}) p={s.p_percent}")


# --- differential privacy (R18.2) ----------------------------------------------------------------------

dp_app = typer.Typer(
    help="差分隐私发布与隐私预算 / differentially private releases and budgets", no_args_is_help=True
)
budget_app = typer.Typer(help="隐私预算 / privacy budgets", no_args_is_help=True)
dp_app.add_typer(budget_app, name="budget")


def _dp_spec(path: Path) -> dict:
    import json

    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise typer.BadParameter("声明文件须为 JSON / the declaration must be JSON") from None
    return spec


def _print_budgets(lines) -> None:
    from rich.table import Table

    table = Table("资源 / resource", "表 / table", "ε 总额", "ε 已用", "ε 剩余 / remaining", "δ 剩余")
    for b in lines:
        table.add_row(
            b.resource,
            b.table,
            f"{b.epsilon_total:g}",
            f"{b.epsilon_spent:g}",
            f"{b.epsilon_remaining:g}",
            f"{b.delta_remaining:g}",
        )
    console.print(table)


@budget_app.command("show")
@domain_errors
def dp_budget_show(workspace: int = typer.Argument(...), token: str = TokenOpt) -> None:
    """工作区各资源的隐私预算（总额、已用、剩余）/ a workspace's budget per resource."""
    from shuyu.sandbox import budget

    _print_budgets(budget.workspace_budgets(_actor(token), workspace_id=workspace))


@budget_app.command("set")
@domain_errors
def dp_budget_set(
    agreement: int = typer.Option(..., "--agreement"),
    resource: str = typer.Option(..., "--resource", help="资源编码 / resource code"),
    epsilon: float = typer.Option(..., "--epsilon"),
    delta: float = typer.Option(0.0, "--delta"),
    token: str = TokenOpt,
) -> None:
    """实施机构设置协议对某资源的隐私预算 / the agency sets an agreement's (ε, δ) on a resource."""
    from shuyu.sandbox import budget

    b = budget.set_budget(
        _actor(token), agreement_id=agreement, resource=resource, epsilon=epsilon, delta=delta
    )
    console.print(
        f"{b.resource}: ε={b.epsilon_total:g} δ={b.delta_total:g}（已用 / spent ε={b.epsilon_spent:g}）"
    )


def _print_estimate(e: dict) -> None:
    console.print(
        f"成本 / cost: ε={e['epsilon']:g} δ={e['delta']:g}（{e['mechanism']}，{e['cells']} 个单元格 / cells，"
        f"每单元至多 / per unit ≤ {e['contributions']} 行 / rows）"
    )
    for part in e["parts"]:
        console.print(
            f"  {part['name']}: 敏感度 / sensitivity {part['sensitivity']}，噪声尺度 / scale {part['scale']:g}"
        )
    delta_left = f"，δ={e['delta_remaining']:g} → {e['delta_remaining_after']:g}" if e["delta"] > 0 else ""
    console.print(
        f"剩余预算 / remaining: ε={e['epsilon_remaining']:g} → {e['epsilon_remaining_after']:g}"
        + delta_left
        + ("" if e["affordable"] else "  [red]超出预算 / over budget[/red]")
    )


@dp_app.command("estimate")
@domain_errors
def dp_estimate(
    workspace: int = typer.Argument(...),
    spec: Path = typer.Argument(..., help="dp.json：声明的查询 / the declared query"),
    token: str = TokenOpt,
) -> None:
    """发布前显示隐私成本与剩余预算（不扣减）/ show the cost and remaining budget (spends nothing)."""
    from shuyu.sandbox import budget

    _print_estimate(budget.estimate(_actor(token), workspace_id=workspace, spec=_dp_spec(spec)).as_dict())


@job_app.command("submit-dp")
@domain_errors
def job_submit_dp(
    workspace: int = typer.Argument(...),
    spec: Path = typer.Argument(..., help="dp.json：声明的查询 / the declared query"),
    wait: bool = typer.Option(False, "--wait", help="等待作业完成 / wait for the result"),
    timeout: float = typer.Option(600, "--timeout"),
    token: str = TokenOpt,
) -> None:
    """提交差分隐私查询：先显示成本，预算不足即拒绝 / submit a DP query (cost shown; refused over budget)."""
    from shuyu.sandbox import budget

    actor = _actor(token)
    declared = _dp_spec(spec)
    _print_estimate(budget.estimate(actor, workspace_id=workspace, spec=declared).as_dict())
    job = budget.submit_dp_job(actor, workspace_id=workspace, spec=declared)
    console.print(f"已提交 / submitted: job {job.pk}")
    if wait:
        _wait(actor, job, timeout)


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root `shuyu` app."""
    root.add_typer(app, name="sandbox")
    root.add_typer(workspace_app, name="workspace")
    root.add_typer(mock_app, name="mock")
    root.add_typer(job_app, name="job")
    root.add_typer(output_app, name="output")
    root.add_typer(dp_app, name="dp")
    root.command("worker")(worker)
