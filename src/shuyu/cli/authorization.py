"""CLI for the authorization workflow: `shuyu plan …`, `shuyu selection …`, `shuyu agreement …`,
`shuyu designation …`, `shuyu deadlines`. Each command parses, calls one service or selector, prints."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import typer
from rich.table import Table

from .common import TokenOpt, console, current_actor, domain_errors

plan_app = typer.Typer(help="实施方案 / implementation plans (第十一条–第十三条)", no_args_is_help=True)
selection_app = typer.Typer(help="运营机构选择 / operator selection (第十四条)", no_args_is_help=True)
agreement_app = typer.Typer(help="授权运营协议 / agreements (第十五条、第十六条)", no_args_is_help=True)
designation_app = typer.Typer(help="实施机构确定 / designation of agencies (第八条)", no_args_is_help=True)

DateOpt = typer.Option(None, help="YYYY-MM-DD；默认今天 / default today")


def _date(value: str | None) -> dt.date:
    from shuyu.core import clock

    return dt.date.fromisoformat(value) if value else clock.today()


def _load(path: Path) -> dict:
    """A JSON file with the fields of the API's PlanIn / AgreementIn (see docs/authorization.md)."""
    return json.loads(path.read_text(encoding="utf-8"))


def _products(items):
    from shuyu.authorization.rules import ProductItem

    return tuple(ProductItem(**p) for p in items or [])


def _plan_draft(data: dict):
    from shuyu.authorization.services import PlanDraft

    data = {k: v for k, v in data.items() if k in PlanDraft.__dataclass_fields__}
    data["resource_ids"] = tuple(data.get("resource_ids", ()))
    data["products"] = _products(data.get("products"))
    data["priority_fields"] = tuple(data.get("priority_fields", ()))
    return PlanDraft(**data)


def _status_line(v) -> str:
    from shuyu.authorization import selectors

    view = selectors.plan_status(v)
    line = f"方案版本 {v.pk}（方案 {v.plan_id} 第{v.number}版）「{v.name}」：{view.status_label}"
    if view.filing:
        f = view.filing
        state = "已逾期 OVERDUE" if f.overdue else "按期"
        line += (
            f"；备案截止 {f.due_on}" + (f"，已于 {f.filed_on} 备案" if f.filed_on else "") + f"（{state}）"
        )
    return line


# --- plans -----------------------------------------------------------------------------------------------


@plan_app.command("create")
@domain_errors
def plan_create(
    file: Path = typer.Argument(..., exists=True, help="方案内容 JSON / plan content as JSON"),
    authorizer_type: str = typer.Option(
        "government", help="government | sector_authority | party_body | utility"
    ),
    token: str = TokenOpt,
) -> None:
    """编制实施方案（新建草稿）/ create a plan with its first draft version."""
    from shuyu.authorization import services

    v = services.create_plan(
        current_actor(token), draft=_plan_draft(_load(file)), authorizer_type=authorizer_type
    )
    console.print(_status_line(v))


PLAN_TEMPLATE = {
    "name": "（一）授权运营名称",
    "necessity": "（二）必要性论证",
    "feasibility": {
        "lifecycle_management": "第十二条：授权运营数据全生命周期管理服务",
        "social_demand": "社会需求",
        "market_size": "市场规模",
        "expected_results": "预期成效",
        "risk_prevention": "风险防控",
    },
    "operator_conditions": {
        "funds": "（三）资金", "management": "管理", "technology": "技术", "service": "服务", "security": "安全能力",
    },
    "mode": "whole | domain | scenario（四）",
    "scenario": "依场景授权时填写唯一应用场景",
    "resource_ids": [],
    "update_frequency": "（五）数据更新频率",
    "data_quality": "（五）数据质量情况",
    "term_years": 5,
    "construction": "（六）建设内容",
    "technical_support": "技术保障",
    "schedule": "实施进度",
    "evaluation_standard": "评价标准",
    "exit_mechanism": "退出机制",
    "asset_management": "资产管理",
    "products": [
        {"name": "（七）产品或服务", "product_class": "public_governance", "form": "api_service", "description": ""},
        {"name": "（七）产品或服务", "product_class": "industry_development", "form": "data_product", "description": ""},
    ],
    "accounting_mechanism": "（八）核算机制",
    "revenue_distribution": "收益分配机制",
    "data_security": "（九）数据安全措施",
    "personal_info_protection": "个人信息保护措施",
    "emergency_response": "应急处置措施",
    "rights_obligations": "（十）各方权利义务",
    "supervision_evaluation": "（十一）监督管理及考核评价要求",
    "other_matters": "（十二）其他事项（无则填“无”）",
    "priority_fields": [],
}  # fmt: skip

AGREEMENT_TEMPLATE = {
    "title": "协议名称",
    "resource_ids": [],
    "field_grants": {},
    "starts_on": "2026-01-01",
    "ends_on": "2031-01-01",
    "products": [
        {"name": "（三）产品或服务", "product_class": "public_governance", "form": "api_service",
         "technical_standard": "技术标准", "security_review": "安全审核要求", "business_review": "业务规范性审核要求"},
    ],
    "technical_platform": "（四）技术支撑平台",
    "asset_ownership": "（五）资产权属",
    "disclosure_duties": "（六）信息披露要求",
    "no_redevelopment_clause": True,
    "accounting_revenue": "（七）核算要求、收益分配机制",
    "security_measures": "（八）数据安全、个人信息保护、风险监测、应急处置",
    "evaluation_renewal_exit": "（九）运营成效评价，续约或退出机制",
    "liability": "（十）违约责任",
    "dispute_resolution": "（十一）争议解决方式",
    "change_termination": "（十二）协议变更、终止条件",
    "other_matters": "（十三）其他事项",
    "mode": "与实施方案一致 whole | domain | scenario",
    "scenario": "",
}  # fmt: skip


@plan_app.command("template")
def plan_template() -> None:
    """打印实施方案 JSON 模板（第十一条十二项）/ print a plan template to fill in."""
    typer.echo(json.dumps(PLAN_TEMPLATE, ensure_ascii=False, indent=2))


@plan_app.command("update")
@domain_errors
def plan_update(
    version_id: int, file: Path = typer.Argument(..., exists=True), token: str = TokenOpt
) -> None:
    """修改草稿或退回的版本 / edit a draft or returned version."""
    from shuyu.authorization import services

    console.print(
        _status_line(
            services.update_plan(current_actor(token), version_id=version_id, draft=_plan_draft(_load(file)))
        )
    )


@plan_app.command("submit")
@domain_errors
def plan_submit(version_id: int, token: str = TokenOpt) -> None:
    """报本级人民政府审议 / submit for approval (R11.1, R12.1)."""
    from shuyu.authorization import services

    console.print(_status_line(services.submit_plan(current_actor(token), version_id=version_id)))


@plan_app.command("approve")
@domain_errors
def plan_approve(
    version_id: int,
    meeting: str = typer.Option(..., help="审议会议 / the meeting"),
    decision_ref: str = typer.Option(..., help="决策文号或纪要 / decision reference"),
    meeting_on: str = DateOpt,
    token: str = TokenOpt,
) -> None:
    """“三重一大”审议通过 / record the government's approval (R13.1)."""
    from shuyu.authorization import services

    v = services.approve_plan(
        current_actor(token),
        version_id=version_id,
        meeting=meeting,
        decision_ref=decision_ref,
        meeting_on=_date(meeting_on),
    )
    console.print(_status_line(v))


@plan_app.command("return")
@domain_errors
def plan_return(
    version_id: int,
    meeting: str = typer.Option(...),
    decision_ref: str = typer.Option(...),
    reason: str = typer.Option(...),
    meeting_on: str = DateOpt,
    token: str = TokenOpt,
) -> None:
    """审议未通过，退回修改 / return for rework (R13.1)."""
    from shuyu.authorization import services

    v = services.return_plan(
        current_actor(token),
        version_id=version_id,
        meeting=meeting,
        decision_ref=decision_ref,
        meeting_on=_date(meeting_on),
        reason=reason,
    )
    console.print(_status_line(v))


@plan_app.command("file")
@domain_errors
def plan_file(version_id: int, token: str = TokenOpt) -> None:
    """向省级数据管理部门备案 / file with the provincial data administration (R13.2)."""
    from shuyu.authorization import services

    console.print(_status_line(services.file_plan(current_actor(token), version_id=version_id)))


@plan_app.command("amend")
@domain_errors
def plan_amend(
    version_id: int,
    field: str = typer.Option(..., help="修正事项字段名 / field name"),
    value: str = typer.Option(...),
    reason: str = typer.Option(...),
    token: str = TokenOpt,
) -> None:
    """一般修正（非较大变更）/ record a minor amendment (R13.1)."""
    from shuyu.authorization import services

    a = services.amend_plan(
        current_actor(token), version_id=version_id, field_name=field, new_value=value, reason=reason
    )
    console.print(f"已记录修正 / amendment {a.pk}：{field}")


@plan_app.command("revise")
@domain_errors
def plan_revise(
    version_id: int, summary: str = typer.Option(..., help="较大变更说明"), token: str = TokenOpt
) -> None:
    """较大变更：生成需重新报批的新版本 / start a major change (R13.1)."""
    from shuyu.authorization import services

    console.print(
        _status_line(
            services.revise_plan(current_actor(token), version_id=version_id, change_summary=summary)
        )
    )


@plan_app.command("list")
@domain_errors
def plan_list(token: str = TokenOpt) -> None:
    """列出可见的实施方案 / list plans visible to you."""
    from shuyu.authorization import rules, selectors

    actor = current_actor(token)
    table = Table("方案", "最新版本", "名称", "区划", "实施机构", "状态", "备案截止", "逾期")
    for p in selectors.plans_visible_to(actor):
        v = selectors.latest_version(p)
        f = selectors.filing_of_version(selectors.current_version(p) or v)
        table.add_row(
            str(p.pk),
            f"{v.pk}（第{v.number}版）",
            v.name,
            p.region_id,
            p.agency.name,
            rules.PLAN_STATUS_LABELS[rules.PlanStatus(v.status)],
            str(f.due_on) if f else "",
            "是" if f and f.overdue else "",
        )
    console.print(table)


@plan_app.command("show")
@domain_errors
def plan_show(plan_id: int, token: str = TokenOpt) -> None:
    """显示方案各版本及其审议、备案情况 / show a plan's versions."""
    from shuyu.authorization import selectors

    for v in selectors.plan_versions(current_actor(token), plan_id):
        console.print(_status_line(v))
        view = selectors.plan_status(v)
        for item in view.missing_items:
            console.print(f"  [yellow]缺少 / missing[/yellow] {item}")
        if v.approval_decision_ref:
            console.print(f"  审议：{v.approval_meeting}，{v.approval_decision_ref}，{v.approved_on or ''}")
        for a in v.amendments.all():
            console.print(f"  修正 {a.amended_at:%Y-%m-%d} {a.field_name}：{a.reason}")


# --- designations ----------------------------------------------------------------------------------------


@designation_app.command("create")
@domain_errors
def designation_create(
    agency_org_id: int,
    decision_ref: str = typer.Option(...),
    designated_on: str = DateOpt,
    token: str = TokenOpt,
) -> None:
    """市（州）人民政府确定本级实施机构 / designate the city's agency (R08.1)."""
    from shuyu.authorization import services

    d = services.designate_agency(
        current_actor(token),
        agency_org_id=agency_org_id,
        decision_ref=decision_ref,
        designated_on=_date(designated_on),
    )
    console.print(f"已确定 / designated {d.pk}: {d.agency.name}（{d.region_id}），待报省级备案")


@designation_app.command("file")
@domain_errors
def designation_file(designation_id: int, token: str = TokenOpt) -> None:
    """省级数据管理部门接收备案 / record the filing (R08.1)."""
    from shuyu.authorization import services

    d = services.file_designation(current_actor(token), designation_id=designation_id)
    console.print(f"已备案 / filed {d.pk}: {d.agency.name}")


@designation_app.command("list")
@domain_errors
def designation_list(token: str = TokenOpt) -> None:
    from shuyu.authorization import selectors

    table = Table("编号", "区划", "实施机构", "文件", "日期", "已备案", "已撤销")
    for d in selectors.designations_visible_to(current_actor(token)):
        table.add_row(
            str(d.pk), d.region_id, d.agency.name, d.decision_ref, str(d.designated_on),
            "是" if d.filed_at else "否", "是" if d.revoked_at else "",
        )  # fmt: skip
    console.print(table)


# --- selections ------------------------------------------------------------------------------------------


def _selection_line(s) -> str:
    from shuyu.authorization import rules

    winner = f"，中选：{s.winner.operator.name}" if s.winner_id else ""
    return (
        f"遴选 {s.pk}「{s.title}」{rules.SELECTION_METHOD_LABELS[rules.SelectionMethod(s.method)]}："
        f"{rules.SELECTION_STATUS_LABELS[rules.SelectionStatus(s.status)]}{winner}"
    )


@selection_app.command("start")
@domain_errors
def selection_start(
    plan_id: int = typer.Option(..., "--plan"),
    method: str = typer.Option(..., help="public_tender | invited_tender | negotiation"),
    title: str = typer.Option(...),
    token: str = TokenOpt,
) -> None:
    """发起运营机构选择 / start a selection (R14.1)."""
    from shuyu.authorization import services

    console.print(
        _selection_line(
            services.start_selection(current_actor(token), plan_id=plan_id, method=method, title=title)
        )
    )


@selection_app.command("consult")
@domain_errors
def selection_consult(
    selection_id: int,
    parties: str = typer.Option(...),
    comments: str = typer.Option(...),
    response: str = typer.Option(""),
    consulted_on: str = DateOpt,
    token: str = TokenOpt,
) -> None:
    """记录协议内容征求意见 / record the consultation (N-SPEC.3)."""
    from shuyu.authorization import services

    c = services.record_consultation(
        current_actor(token),
        selection_id=selection_id,
        parties=parties,
        consulted_on=_date(consulted_on),
        comments=comments,
        response=response,
    )
    console.print(f"已记录征求意见 / consultation {c.pk}")


@selection_app.command("open")
@domain_errors
def selection_open(selection_id: int, token: str = TokenOpt) -> None:
    """发布 / open the selection (N-SPEC.3)."""
    from shuyu.authorization import services

    console.print(_selection_line(services.open_selection(current_actor(token), selection_id=selection_id)))


@selection_app.command("candidate")
@domain_errors
def selection_candidate(
    selection_id: int,
    operator_org_id: int = typer.Option(..., "--operator"),
    met: str = typer.Option("funds,management,technology,service,security", help="满足的条件，逗号分隔"),
    security_compliant: bool = typer.Option(True, "--security-compliant/--not-security-compliant"),
    evidence: str = typer.Option(""),
    token: str = TokenOpt,
) -> None:
    """登记候选单位 / add a candidate (R14.2)."""
    from shuyu.authorization import rules, services

    keys = {k.strip() for k in met.split(",") if k.strip()}
    c = services.add_candidate(
        current_actor(token),
        selection_id=selection_id,
        operator_org_id=operator_org_id,
        conditions_met={k: k in keys for k in rules.OPERATOR_CONDITION_KEYS},
        data_security_compliant=security_compliant,
        evidence=evidence,
    )
    console.print(f"候选单位 / candidate {c.pk}: {c.operator.name}")


@selection_app.command("score")
@domain_errors
def selection_score(
    candidate_id: int, score: str = typer.Option(...), notes: str = typer.Option(""), token: str = TokenOpt
) -> None:
    """评分 0–100 / score a candidate (R14.1)."""
    from shuyu.authorization import services

    c = services.score_candidate(
        current_actor(token), candidate_id=candidate_id, score=Decimal(score), notes=notes
    )
    console.print(f"{c.operator.name}: {c.score}")


@selection_app.command("decide")
@domain_errors
def selection_decide(
    selection_id: int,
    winner: int = typer.Option(..., help="中选候选单位编号 / candidate id"),
    decision_ref: str = typer.Option(...),
    decided_on: str = DateOpt,
    token: str = TokenOpt,
) -> None:
    """确定运营机构 / decide the winner (R14.1, R14.2)."""
    from shuyu.authorization import services

    s = services.decide_selection(
        current_actor(token),
        selection_id=selection_id,
        winner_candidate_id=winner,
        decision_ref=decision_ref,
        decided_on=_date(decided_on),
    )
    console.print(_selection_line(s))


@selection_app.command("fail")
@domain_errors
def selection_fail(selection_id: int, reason: str = typer.Option(...), token: str = TokenOpt) -> None:
    """流标/终止 / end without a winner."""
    from shuyu.authorization import services

    console.print(
        _selection_line(
            services.fail_selection(current_actor(token), selection_id=selection_id, reason=reason)
        )
    )


@selection_app.command("list")
@domain_errors
def selection_list(token: str = TokenOpt) -> None:
    from shuyu.authorization import selectors

    for s in selectors.selections_visible_to(current_actor(token)):
        console.print(_selection_line(s))
        for c in s.candidates.select_related("operator"):
            console.print(f"  候选 {c.pk} {c.operator.name} 评分 {c.score if c.score is not None else '-'}")


# --- agreements ------------------------------------------------------------------------------------------


def _agreement_line(a) -> str:
    from shuyu.authorization import rules, selectors

    line = (
        f"协议 {a.pk}「{a.title}」{a.operator.name}，{a.starts_on}至{a.ends_on}："
        f"{rules.AGREEMENT_STATUS_LABELS[rules.AgreementStatus(a.status)]}"
    )
    f = selectors.filing_of_agreement(a)
    if f:
        line += f"；备案截止 {f.due_on}" + (f"，已于 {f.filed_on} 备案" if f.filed_on else "")
        line += "（已逾期 OVERDUE）" if f.overdue else ""
    return line


@agreement_app.command("template")
def agreement_template() -> None:
    """打印协议 JSON 模板（第十六条十三项）/ print an agreement template to fill in."""
    typer.echo(json.dumps(AGREEMENT_TEMPLATE, ensure_ascii=False, indent=2))


@agreement_app.command("create")
@domain_errors
def agreement_create(
    file: Path = typer.Argument(..., exists=True, help="协议内容 JSON / agreement content"),
    selection_id: int = typer.Option(..., "--selection"),
    token: str = TokenOpt,
) -> None:
    """拟定授权运营协议 / draft an agreement (R10.1, R16.*)."""
    from shuyu.authorization.rules import normalize_field_grants
    from shuyu.authorization.services import AgreementDraft, create_agreement

    data = {k: v for k, v in _load(file).items() if k in AgreementDraft.__dataclass_fields__}
    data["resource_ids"] = tuple(data.get("resource_ids", ()))
    data["products"] = _products(data.get("products"))
    data["starts_on"] = dt.date.fromisoformat(data["starts_on"])
    data["ends_on"] = dt.date.fromisoformat(data["ends_on"])
    data["field_grants"] = normalize_field_grants(data.get("field_grants", {}))  # R19.1
    a = create_agreement(current_actor(token), selection_id=selection_id, draft=AgreementDraft(**data))
    console.print(_agreement_line(a))


@agreement_app.command("cosign")
@domain_errors
def agreement_cosign(agreement_id: int, token: str = TokenOpt) -> None:
    """数源单位会签 / co-sign a domain authorization (R09.1)."""
    from shuyu.authorization import services

    console.print(
        _agreement_line(services.cosign_agreement(current_actor(token), agreement_id=agreement_id).agreement)
    )


@agreement_app.command("sign")
@domain_errors
def agreement_sign(
    agreement_id: int,
    review_meeting: str = typer.Option(..., help="本单位“三重一大”审议会议"),
    review_decision_ref: str = typer.Option(...),
    reviewed_on: str = DateOpt,
    signed_on: str = DateOpt,
    token: str = TokenOpt,
) -> None:
    """签订协议 / sign after the agency's collective review (R15.1)."""
    from shuyu.authorization import services

    a = services.sign_agreement(
        current_actor(token),
        agreement_id=agreement_id,
        review_meeting=review_meeting,
        review_decision_ref=review_decision_ref,
        reviewed_on=_date(reviewed_on),
        signed_on=_date(signed_on),
    )
    console.print(_agreement_line(a))


def _simple(name: str, help_text: str, with_reason: bool = False):
    def command(
        agreement_id: int, reason: str = typer.Option("", help="理由 / reason"), token: str = TokenOpt
    ) -> None:
        from shuyu.authorization import services

        fn = getattr(services, f"{name}_agreement")
        kwargs = {"reason": reason} if with_reason else {}
        console.print(_agreement_line(fn(current_actor(token), agreement_id=agreement_id, **kwargs)))

    command.__doc__ = help_text
    agreement_app.command(name)(domain_errors(command))


_simple("file", "报本级数据管理部门备案 / file the agreement (R15.1).")
_simple("activate", "生效 / bring into force.")
_simple("suspend", "暂停 / suspend (R29.1).", with_reason=True)
_simple("resume", "恢复 / resume.", with_reason=True)
_simple("terminate", "终止 / terminate.", with_reason=True)


@agreement_app.command("list")
@domain_errors
def agreement_list(token: str = TokenOpt) -> None:
    """列出可见的协议 / list agreements visible to you."""
    from shuyu.authorization import selectors

    for a in selectors.agreements_visible_to(current_actor(token)):
        console.print(_agreement_line(a))


# --- deadlines -------------------------------------------------------------------------------------------


def deadlines(
    include_filed: bool = typer.Option(False, "--all", help="含已备案 / include filed"), token: str = TokenOpt
) -> None:
    """备案期限 / filing deadlines (R13.2, R15.1), overdue first."""
    from shuyu.authorization import selectors

    rows = selectors.deadlines_for(current_actor(token), include_filed=include_filed)
    table = Table(
        "事项",
        "编号",
        "名称",
        "责任单位",
        "起算日",
        "截止日",
        "备案日",
        "剩余天数",
        "状态",
        title="备案期限 / filing deadlines",
    )
    for d in rows:
        state = (
            "[red]逾期 overdue[/red]" if d.overdue else ("已备案 filed" if d.filed_on else "待备案 pending")
        )
        table.add_row(
            d.kind_label, str(d.subject_id), d.title, d.responsible, str(d.event_on or ""), str(d.due_on),
            str(d.filed_on or ""), "" if d.days_left is None else str(d.days_left), state,
        )  # fmt: skip
    console.print(table)


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root `shuyu` app."""
    root.add_typer(plan_app, name="plan")
    root.add_typer(selection_app, name="selection")
    root.add_typer(agreement_app, name="agreement")
    root.add_typer(designation_app, name="designation")
    root.command("deadlines")(domain_errors(deadlines))
