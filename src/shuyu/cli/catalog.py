"""CLI for the catalog: `shuyu resource …` (data source units) and `shuyu registration …` (the registrar).

Nothing here prints a data value: suggestions, versions and quality are metadata and counts (R04.1)."""

import json
from pathlib import Path

import typer

from .common import TokenOpt, console, current_actor, domain_errors

resource_app = typer.Typer(help="公共数据资源目录 / public data resources", no_args_is_help=True)
registration_app = typer.Typer(help="登记 / registration (登记机构 registrar)", no_args_is_help=True)


def _pairs(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        if not value:
            raise typer.BadParameter(f"应为 key=value / expected key=value: {item}")
        out[key.strip()] = value.strip()
    return out


def _fields_from_file(path: Path, assume_yes: bool):
    """Detector suggestions from a local sample, confirmed by the person at the terminal."""
    from shuyu.catalog import detect, vault
    from shuyu.catalog.rules import FieldSpec

    header, columns = vault.sample_columns(path)
    specs = []
    for name, s in detect.propose_fields(header, columns):
        console.print(
            f"{name}\t{s.type}\t{s.sensitivity}\t{s.format or '-'}\t"
            f"{'披露单元' if s.is_disclosure_unit else ''}\t{s.reason_zh}"
        )
        specs.append(
            FieldSpec(
                name=name,
                label=header[len(specs)] if name.startswith("col_") else "",
                type=s.type,
                format=s.format,
                sensitivity=s.sensitivity,
                is_disclosure_unit=s.is_disclosure_unit and not any(x.is_disclosure_unit for x in specs),
                is_key=False,
            )
        )
    if not assume_yes and not typer.confirm(
        "确认以上字段与敏感性？/ confirm these fields and sensitivities?"
    ):
        raise typer.Exit(1)
    return specs


@resource_app.command("suggest")
@domain_errors
def suggest(
    target: str = typer.Argument(
        ..., help="资源编码或编号（抽样入库数据），或本地数据文件 / a resource code or id, or a local file"
    ),
    token: str | None = TokenOpt,
) -> None:
    """根据列名和抽样值建议字段敏感性（只显示计数与比例，不显示任何值）/ suggest sensitivity, no values shown.

    A resource: the detector runs over up to 10,000 sampled rows of its latest vault version (R07.1: its
    data source unit or industry authority); confirm with the field confirmation. A local file: types too."""
    from shuyu.catalog import detect, selectors, services, vault

    path = Path(target)
    if path.is_file():
        header, columns = vault.sample_columns(path)
        for name, s in detect.propose_fields(header, columns):
            console.print(
                f"{name}\t{s.type}\t{s.sensitivity}\t{s.format or '-'}\t{s.reason_zh} / {s.reason_en}"
            )
        return
    actor = current_actor(token)
    resource_id = int(target) if target.isdigit() else selectors.resource_id_of(target)
    out = services.suggest_field_sensitivity(actor, resource_id=resource_id)
    console.print(f"v{out.version}：抽样 {out.rows} 行 / {out.rows} rows sampled")
    console.print(
        "字段 field\t当前 current\t建议 suggested\t格式 format\t通过/抽样 passed/sampled\t理由 reason"
    )
    for f in out.fields:
        console.print(
            f"{f.field}\t{f.sensitivity}{'' if f.confirmed else '（待确认）'}\t{f.suggested}\t{f.format or '-'}\t"
            f"{f.passed}/{f.sampled}\t{f.reason_zh} / {f.reason_en}"
        )


@resource_app.command("add")
@domain_errors
def add(
    code: str = typer.Argument(..., help="资源编码 / resource code"),
    name: str = typer.Option(..., help="资源名称 / name"),
    region: str = typer.Option(..., help="行政区划代码 / region code"),
    fields: Path = typer.Option(None, help="字段定义 JSON（列表）/ fields as a JSON list"),
    from_file: Path = typer.Option(
        None, "--from-file", help="从数据文件建议字段 / propose fields from a file"
    ),
    yes: bool = typer.Option(False, "--yes", help="不询问，接受建议 / accept suggestions"),
    description: str = typer.Option("", help="数据内容简介 / description"),
    frequency: str = typer.Option("monthly", help="更新频率 / update frequency"),
    open_attribute: str = typer.Option("conditional", "--open", help="开放属性 open|conditional|not_open"),
    sector: str = typer.Option("", help="行业领域 / sector"),
    authority_id: int = typer.Option(None, help="行业主管部门单位编号 / industry authority org id"),
    shared_from_id: int = typer.Option(None, help="共享数据提供单位编号 / providing unit of shared data"),
    state_secret: bool = typer.Option(False, help="涉及国家秘密 (R05.2)"),
    public_security: bool = typer.Option(False, help="影响公共安全、社会稳定 (R05.2)"),
    not_open_by_law: bool = typer.Option(False, help="法律法规明确不能开放 (R05.2)"),
    token: str | None = TokenOpt,
) -> None:
    """编目一项数据资源（数源单位）/ catalog a resource (data source unit)."""
    from shuyu.catalog import services
    from shuyu.catalog.rules import FieldSpec

    actor = current_actor(token)
    if fields:
        specs = [
            FieldSpec(**(f | {"code_list": tuple(f.get("code_list", ()))}))
            for f in json.loads(fields.read_text())
        ]
    elif from_file:
        specs = _fields_from_file(from_file, yes)
    else:
        raise typer.BadParameter("须给出 --fields 或 --from-file / give --fields or --from-file")
    r = services.create_resource(
        actor,
        code=code,
        name=name,
        region_code=region,
        fields=specs,
        description=description,
        update_frequency=frequency,
        open_attribute=open_attribute,
        sector=sector,
        industry_authority_id=authority_id,
        shared_from_id=shared_from_id,
        involves_state_secrets=state_secret,
        affects_public_security=public_security,
        legally_not_open=not_open_by_law,
    )
    console.print(f"已编目 / cataloged: {r.pk} {r.name}（{r.code}），{len(specs)} 个字段 fields")


@resource_app.command("list")
@domain_errors
def list_(token: str | None = TokenOpt) -> None:
    """列出可见的资源 / list the resources you may see."""
    from shuyu.catalog import selectors

    actor = current_actor(token)
    for r in selectors.visible_to(actor).prefetch_related("registrations"):
        v = selectors.latest_version(r)
        q = selectors.latest_quality(r)
        console.print(
            f"{r.pk}\t{r.code}\t{r.name}\t{r.get_grading_level_display() or '未分级'}\t"
            f"{f'v{v.number} {v.row_count}行' if v else '未入库'}\t"
            f"{f'质量 {q.score:.3f}' if q else '-'}\t{selectors.registration_code(r) or '未登记'}"
        )


@resource_app.command("classify")
@domain_errors
def classify(
    resource_id: int,
    sector: str = typer.Option(..., help="行业领域 / sector"),
    impact: list[str] = typer.Option(..., help="影响对象:程度，如 public_interest:serious"),
    factor: list[str] = typer.Option([], help="分级要素 key=value，如 规模=全省"),
    attribute: list[str] = typer.Option([], help="业务属性 / business attributes"),
    token: str | None = TokenOpt,
) -> None:
    """分类分级（数源单位或行业主管部门，R07.1）/ classify and grade (N-CLS.3/4)."""
    from shuyu.catalog import services

    impacts = [tuple(i.split(":", 1)) for i in impact]
    d = services.classify_resource(
        current_actor(token),
        resource_id=resource_id,
        sector=sector,
        impacts=impacts,
        grading_factors=_pairs(factor),
        business_attributes=attribute,
    )
    console.print(f"分级 / level: {d.get_level_display()}（{d.level}），依据 / basis: {d.basis}")


@resource_app.command("ingest")
@domain_errors
def ingest(
    resource_id: int,
    path: Path = typer.Argument(None, help="CSV / xlsx / Parquet 文件"),
    mode: str = typer.Option("full", help="full（全量）或 append（增量）"),
    encoding: str = typer.Option(None, help="编码（默认自动识别 UTF-8 / GBK）"),
    sheet: str = typer.Option(None, help="Excel 工作表 / sheet"),
    postgres: str = typer.Option(None, help="PostgreSQL URL（与 --table 一起）"),
    table: str = typer.Option(None, help="schema.table"),
    memory: str = typer.Option("512MB", help="DuckDB 内存上限 / memory cap"),
    token: str | None = TokenOpt,
) -> None:
    """数据入库，生成不可变版本 / load data into the vault as an immutable version."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from shuyu.catalog import services

    actor = current_actor(token)
    with Progress(
        TextColumn("入库 loading"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("load", total=1.0)

        def progress(fraction: float) -> None:
            bar.update(task, completed=fraction)

        if postgres:
            v = services.ingest_postgres(
                actor,
                resource_id=resource_id,
                url=postgres,
                table=table or "",
                mode=mode,
                progress=progress,
                memory_limit=memory,
            )
        else:
            if path is None:
                raise typer.BadParameter("须给出文件或 --postgres / give a file or --postgres")
            v = services.ingest_file(
                actor,
                resource_id=resource_id,
                path=path,
                mode=mode,
                encoding=encoding,
                sheet=sheet,
                progress=progress,
                memory_limit=memory,
            )
    console.print(f"版本 / version v{v.number}: {v.row_count} 行 rows, manifest {v.manifest_sha256}")


@resource_app.command("quality")
@domain_errors
def quality(resource_id: int, token: str | None = TokenOpt) -> None:
    """最新版本的质量（计数与比率）/ quality of the latest version (counts and ratios only)."""
    from shuyu.catalog import selectors

    r = selectors.get_resource_for(current_actor(token), resource_id)
    q = selectors.latest_quality(r)
    if q is None:
        console.print("尚未入库 / not loaded")
        raise typer.Exit(1)
    console.print(
        f"v{q.version.number} 完整性 {q.completeness:.4f} 有效性 {q.validity:.4f} 唯一性 {q.uniqueness:.4f} "
        f"及时性 {q.timeliness:.4f} 一致性 {q.consistency:.4f} 得分 score {q.score:.4f}"
    )
    for name, c in q.details["fields"].items():
        console.print(
            f"  {name}\t空值 nulls {c['nulls']}\t格式不符 invalid {c['invalid'] if c['checked'] else '-'}"
        )


@resource_app.command("confirm")
@domain_errors
def confirm(
    resource_id: int,
    field: str,
    sensitivity: str = typer.Option(..., help="direct|quasi|sensitive|none"),
    unit: bool = typer.Option(None, "--unit/--no-unit", help="披露单元 / disclosure unit"),
    token: str | None = TokenOpt,
) -> None:
    """确认字段敏感性 / confirm a field's sensitivity."""
    from shuyu.catalog import services

    f = services.confirm_field_sensitivity(
        current_actor(token),
        resource_id=resource_id,
        field_name=field,
        sensitivity=sensitivity,
        is_disclosure_unit=unit,
    )
    console.print(f"已确认 / confirmed: {f.name} → {f.get_sensitivity_display()}")


@resource_app.command("risk-assessment")
@domain_errors
def risk_assessment(resource_id: int, ref: str = typer.Option(...), token: str | None = TokenOpt) -> None:
    """记录重要数据风险评估（N-CLS.7）/ record the risk assessment of important data."""
    from shuyu.catalog import services

    services.record_risk_assessment(current_actor(token), resource_id=resource_id, report_ref=ref)
    console.print("已记录 / recorded")


@resource_app.command("approve-important")
@domain_errors
def approve_important(resource_id: int, token: str | None = TokenOpt) -> None:
    """数据管理部门批准重要数据纳入授权运营（N-CLS.7）/ approve important data (data_admin)."""
    from shuyu.catalog import services

    services.approve_important_data(current_actor(token), resource_id=resource_id)
    console.print("已批准 / approved")


@resource_app.command("pre-existing")
@domain_errors
def pre_existing(resource_id: int, token: str | None = TokenOpt) -> None:
    """记录办法施行前已开展的授权运营（R32.1, N-REG.9）/ flag a pre-existing operation."""
    from shuyu.catalog import selectors, services

    r = services.record_pre_existing_operation(current_actor(token), resource_id=resource_id)
    f = selectors.facts_of(r)
    console.print(
        f"已记录 / recorded: 首次登记申请期限 due {f.registration_due_on}"
        + ("\t逾期 OVERDUE" if f.registration_overdue else "")
    )


@resource_app.command("consent")
@domain_errors
def consent(resource_id: int, ref: str = typer.Option(...), token: str | None = TokenOpt) -> None:
    """共享数据提供单位同意（R05.3）/ the providing unit consents to shared data being authorized."""
    from shuyu.catalog import services

    services.record_sharing_consent(current_actor(token), resource_id=resource_id, consent_ref=ref)
    console.print("已记录同意 / consent recorded")


@resource_app.command("register")
@domain_errors
def register_resource(
    resource_id: int,
    materials: Path = typer.Option(None, help="申请材料 JSON（N-REG.8 七项）/ materials JSON"),
    material: list[str] = typer.Option([], help="key=value，如 lawful_source=授权文件.pdf"),
    kind: str = typer.Option("first", help="first|change|correction|cancellation"),
    token: str | None = TokenOpt,
) -> None:
    """存证并申请登记（N-REG.5/7）/ deposit evidence and apply for registration."""
    from shuyu.catalog import services

    actor = current_actor(token)
    data = json.loads(materials.read_text()) if materials else {}
    data |= _pairs(material)
    evidence = None
    if kind in ("first", "change"):
        evidence = services.deposit_evidence(actor, resource_id=resource_id)
        console.print(
            f"已存证 / deposited: manifest {evidence.manifest_sha256}（账本 ledger #{evidence.ledger_seq}）"
        )
    reg = services.apply_registration(
        actor,
        resource_id=resource_id,
        materials=data,
        kind=kind,
        evidence_id=evidence.pk if evidence else None,
    )
    console.print(f"已申请 / applied: 登记 {reg.pk}，受理期限 / accept by {reg.accept_due_on}")


def _reg_line(reg) -> str:
    return (
        f"{reg.pk}\t{reg.data_name}\t{reg.get_kind_display()}\t{reg.get_status_display()}\t"
        f"受理 {reg.accept_due_on or '-'}\t审核 {reg.review_due_on or '-'}\t公示至 {reg.publicity_ends_on or '-'}\t"
        f"{reg.code or ''}\t{reg.expires_on or ''}"
    )


@registration_app.command("list")
@domain_errors
def reg_list(token: str | None = TokenOpt) -> None:
    """登记申请列表 / registrations."""
    from shuyu.catalog import selectors

    for reg in selectors.registrations_visible_to(current_actor(token)):
        console.print(_reg_line(reg))


@registration_app.command("deadlines")
@domain_errors
def reg_deadlines(token: str | None = TokenOpt) -> None:
    """办理期限（工作日）/ deadlines in working days."""
    from shuyu.catalog import selectors

    for d in selectors.registration_deadlines(current_actor(token)):
        console.print(f"{d.due_on}\t{d.step}\t{d.data_name}\t{'逾期 OVERDUE' if d.overdue else ''}")


@registration_app.command("step")
@domain_errors
def reg_step(
    registration_id: int,
    action: str = typer.Argument(..., help="accept|supplement|reject|review|code|renew|revoke"),
    reason: str = typer.Option("", help="理由 / reason (reject, revoke)"),
    item: list[str] = typer.Option([], help="补正事项 / missing items (supplement)"),
    code: str = typer.Option(None, help="指定登记码 / a given code"),
    token: str | None = TokenOpt,
) -> None:
    """办理登记的一步 / one step of the procedure."""
    from shuyu.catalog import services

    actor = current_actor(token)
    calls = {
        "accept": lambda: services.accept_registration(actor, registration_id=registration_id),
        "supplement": lambda: services.request_supplement(actor, registration_id=registration_id, items=item),
        "reject": lambda: services.reject_registration(actor, registration_id=registration_id, reason=reason),
        "review": lambda: services.complete_review(actor, registration_id=registration_id),
        "code": lambda: services.issue_code(actor, registration_id=registration_id, code=code),
        "renew": lambda: services.renew_registration(actor, registration_id=registration_id),
        "revoke": lambda: services.revoke_registration(actor, registration_id=registration_id, reason=reason),
    }
    if action not in calls:
        raise typer.BadParameter(f"未知步骤 / unknown step: {action}")
    console.print(_reg_line(calls[action]()))


@registration_app.command("correct")
@domain_errors
def reg_correct(
    registration_id: int,
    set_: list[str] = typer.Option([], "--set", help="data_name=… 或 summary=… / what to correct"),
    reason: str = typer.Option(..., help="更正理由 / why the record is wrong"),
    evidence: str = typer.Option("", help="证明材料（利害关系人必填）/ evidence (interested party)"),
    token: str | None = TokenOpt,
) -> None:
    """申请更正登记：登记主体或利害关系人（N-REG.11）/ request a correction."""
    from shuyu.catalog import services

    reg = services.request_correction(
        current_actor(token),
        registration_id=registration_id,
        corrections=_pairs(set_),
        reason=reason,
        evidence_ref=evidence,
    )
    console.print(_reg_line(reg))


@registration_app.command("basis")
@domain_errors
def reg_basis(
    registration_id: int,
    basis: str = typer.Argument(..., help="consent（书面同意）|evidence（错误证明）"),
    ref: str = typer.Option(..., help="文件编号 / document reference"),
    token: str | None = TokenOpt,
) -> None:
    """登记机构记录更正依据（N-REG.11）/ the registrar records the basis of a correction."""
    from shuyu.catalog import services

    reg = services.record_correction_basis(
        current_actor(token), registration_id=registration_id, basis=basis, ref=ref
    )
    console.print(_reg_line(reg) + f"\t依据 {reg.correction_basis}")


@registration_app.command("changes")
@domain_errors
def reg_changes(token: str | None = TokenOpt) -> None:
    """登记后数据已变化、待变更登记（N-REG.10）/ resources due a change registration."""
    from shuyu.catalog import selectors

    for a in selectors.change_registration_alerts(current_actor(token)):
        console.print(
            f"{a.due_on}\t{a.resource_code}\t{a.resource_name}\tv{a.version_number} 变化于 {a.changed_on}\t"
            f"{'逾期 OVERDUE' if a.overdue else ''}"
        )


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root `shuyu` app."""
    root.add_typer(resource_app, name="resource")
    root.add_typer(registration_app, name="registration")
