"""Pure checks of the authorization articles (第八条–第十六条). No ORM, clock, settings or I/O.

`check_*` raise `DomainError` naming the requirement; `can_*` are derived from them for templates.
Workflows are data: `PLAN_TRANSITIONS`, `AGREEMENT_TRANSITIONS`, `SELECTION_TRANSITIONS`.
"""

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from shuyu.core.errors import DomainError, PermissionDenied
from shuyu.core.regions import RegionLevel, region_level

# ---------------------------------------------------------------------------------------------------------
# Vocabulary


class Mode(StrEnum):
    """第九条 授权运营模式."""

    WHOLE = "whole"  # 整体授权 (default)
    DOMAIN = "domain"  # 分领域授权: the participating data source units co-sign
    SCENARIO = "scenario"  # 依场景授权: 一场景一授权


MODE_LABELS = {Mode.WHOLE: "整体授权", Mode.DOMAIN: "分领域授权", Mode.SCENARIO: "依场景授权"}


class AuthorizerType(StrEnum):
    """N-SPEC.10: who authorizes. Party bodies and utilities follow the same procedure 「参照」."""

    GOVERNMENT = "government"
    SECTOR_AUTHORITY = "sector_authority"  # approved by a 部（委、局）务会
    PARTY_BODY = "party_body"
    UTILITY = "utility"


AUTHORIZER_LABELS = {
    AuthorizerType.GOVERNMENT: "人民政府",
    AuthorizerType.SECTOR_AUTHORITY: "行业主管部门",
    AuthorizerType.PARTY_BODY: "党委",
    AuthorizerType.UTILITY: "公用事业单位",
}


class ProductClass(StrEnum):
    """第十一条（七）: two classes of products and services."""

    PUBLIC_GOVERNANCE = "public_governance"  # 支持公共治理、公益事业
    INDUSTRY_DEVELOPMENT = "industry_development"  # 产业发展、行业发展


PRODUCT_CLASS_LABELS = {
    ProductClass.PUBLIC_GOVERNANCE: "支持公共治理、公益事业",
    ProductClass.INDUSTRY_DEVELOPMENT: "产业发展、行业发展",
}


class ProductForm(StrEnum):
    """Expected forms of a product or service (第十一条（七）「预期产品和服务形式」)."""

    DATA_PRODUCT = "data_product"  # 数据产品（数据集、指标）
    API_SERVICE = "api_service"  # 数据接口服务（核验、评分）
    MODEL = "model"  # 模型
    REPORT = "report"  # 分析报告
    APPLICATION = "application"  # 应用/场景服务
    OTHER = "other"


PRODUCT_FORM_LABELS = {
    ProductForm.DATA_PRODUCT: "数据产品",
    ProductForm.API_SERVICE: "数据接口服务",
    ProductForm.MODEL: "模型",
    ProductForm.REPORT: "分析报告",
    ProductForm.APPLICATION: "应用服务",
    ProductForm.OTHER: "其他",
}


class SelectionMethod(StrEnum):
    """第十四条: fair competition only."""

    PUBLIC_TENDER = "public_tender"  # 公开招标
    INVITED_TENDER = "invited_tender"  # 邀请招标
    NEGOTIATION = "negotiation"  # 谈判


SELECTION_METHOD_LABELS = {
    SelectionMethod.PUBLIC_TENDER: "公开招标",
    SelectionMethod.INVITED_TENDER: "邀请招标",
    SelectionMethod.NEGOTIATION: "谈判",
}

# 招标投标法第二十八条: fewer than three bidders → the tender is repeated. Negotiation must be competitive.
MIN_CANDIDATES = {
    SelectionMethod.PUBLIC_TENDER: 3,
    SelectionMethod.INVITED_TENDER: 3,
    SelectionMethod.NEGOTIATION: 2,
}


class PlanStatus(StrEnum):
    DRAFT = "draft"  # 编制中
    SUBMITTED = "submitted"  # 已报本级人民政府
    RETURNED = "returned"  # 审议未通过，退回修改
    APPROVED = "approved"  # 审议通过（冻结）
    SUPERSEDED = "superseded"  # 已被重大变更后的新版本取代


PLAN_STATUS_LABELS = {
    PlanStatus.DRAFT: "编制中",
    PlanStatus.SUBMITTED: "已报审",
    PlanStatus.RETURNED: "退回修改",
    PlanStatus.APPROVED: "已审议通过",
    PlanStatus.SUPERSEDED: "已被新版本取代",
}

PLAN_TRANSITIONS: dict[PlanStatus, frozenset[PlanStatus]] = {
    PlanStatus.DRAFT: frozenset({PlanStatus.SUBMITTED}),
    PlanStatus.SUBMITTED: frozenset({PlanStatus.APPROVED, PlanStatus.RETURNED}),
    PlanStatus.RETURNED: frozenset({PlanStatus.SUBMITTED}),
    PlanStatus.APPROVED: frozenset({PlanStatus.SUPERSEDED}),
    PlanStatus.SUPERSEDED: frozenset(),
}
EDITABLE_PLAN_STATUSES = frozenset({PlanStatus.DRAFT, PlanStatus.RETURNED})


class SelectionStatus(StrEnum):
    PREPARING = "preparing"  # 编制招标/谈判文件，征求意见 (N-SPEC.3)
    OPEN = "open"  # 已发布，接受报名/投标
    DECIDED = "decided"  # 已确定运营机构
    FAILED = "failed"  # 流标/终止


SELECTION_STATUS_LABELS = {
    SelectionStatus.PREPARING: "征求意见中",
    SelectionStatus.OPEN: "遴选中",
    SelectionStatus.DECIDED: "已确定运营机构",
    SelectionStatus.FAILED: "流标/终止",
}

SELECTION_TRANSITIONS: dict[SelectionStatus, frozenset[SelectionStatus]] = {
    SelectionStatus.PREPARING: frozenset({SelectionStatus.OPEN, SelectionStatus.FAILED}),
    SelectionStatus.OPEN: frozenset({SelectionStatus.DECIDED, SelectionStatus.FAILED}),
    SelectionStatus.DECIDED: frozenset(),
    SelectionStatus.FAILED: frozenset(),
}


class AgreementStatus(StrEnum):
    DRAFT = "draft"  # 拟定中
    SIGNED = "signed"  # 已签订
    FILED = "filed"  # 已备案
    ACTIVE = "active"  # 执行中
    SUSPENDED = "suspended"  # 暂停（整改期间，第二十九条）
    EXPIRED = "expired"  # 期满终止
    TERMINATED = "terminated"  # 提前终止


AGREEMENT_STATUS_LABELS = {
    AgreementStatus.DRAFT: "拟定中",
    AgreementStatus.SIGNED: "已签订",
    AgreementStatus.FILED: "已备案",
    AgreementStatus.ACTIVE: "执行中",
    AgreementStatus.SUSPENDED: "已暂停",
    AgreementStatus.EXPIRED: "已期满",
    AgreementStatus.TERMINATED: "已终止",
}

AGREEMENT_TRANSITIONS: dict[AgreementStatus, frozenset[AgreementStatus]] = {
    AgreementStatus.DRAFT: frozenset({AgreementStatus.SIGNED, AgreementStatus.TERMINATED}),
    AgreementStatus.SIGNED: frozenset({AgreementStatus.FILED, AgreementStatus.TERMINATED}),
    AgreementStatus.FILED: frozenset({AgreementStatus.ACTIVE, AgreementStatus.TERMINATED}),
    AgreementStatus.ACTIVE: frozenset(
        {AgreementStatus.SUSPENDED, AgreementStatus.EXPIRED, AgreementStatus.TERMINATED}
    ),
    AgreementStatus.SUSPENDED: frozenset(
        {AgreementStatus.ACTIVE, AgreementStatus.EXPIRED, AgreementStatus.TERMINATED}
    ),
    AgreementStatus.EXPIRED: frozenset(),
    AgreementStatus.TERMINATED: frozenset(),
}
# Who holds the operator's authorization in force (sandbox and market check this).
AGREEMENT_IN_FORCE = frozenset({AgreementStatus.ACTIVE})


def _transition_error(requirement: str, kind_zh: str, kind_en: str, current: str, target: str) -> DomainError:
    return DomainError(
        requirement,
        f"{kind_zh}当前状态为「{current}」，不能变更为「{target}」",
        f"{kind_en} in status {current} cannot become {target}",
        current=current,
        target=target,
    )


def check_plan_transition(current: PlanStatus, target: PlanStatus) -> None:
    if PlanStatus(target) not in PLAN_TRANSITIONS[PlanStatus(current)]:
        if PlanStatus(current) in (PlanStatus.APPROVED, PlanStatus.SUPERSEDED):
            raise DomainError(
                "R13.1",
                "实施方案已审议通过并冻结，不得再次审议或修改；确需较大变更的，应按程序重新报批（新版本）",
                "the plan version is approved and frozen; a major change needs a new version and approval",
                current=str(current),
                target=str(target),
            )
        raise _transition_error("R13.1", "实施方案", "plan", PLAN_STATUS_LABELS[current], target)


def check_selection_transition(current: SelectionStatus, target: SelectionStatus) -> None:
    if SelectionStatus(target) not in SELECTION_TRANSITIONS[SelectionStatus(current)]:
        raise _transition_error(
            "R14.1", "运营机构遴选", "selection", SELECTION_STATUS_LABELS[current], target
        )


def check_agreement_transition(current: AgreementStatus, target: AgreementStatus) -> None:
    if AgreementStatus(target) not in AGREEMENT_TRANSITIONS[AgreementStatus(current)]:
        raise _transition_error(
            "R15.1", "授权运营协议", "agreement", AGREEMENT_STATUS_LABELS[current], target
        )


def _passes(check: Callable[..., None], *args, **kwargs) -> bool:
    try:
        check(*args, **kwargs)
    except DomainError:
        return False
    return True


# ---------------------------------------------------------------------------------------------------------
# R08.1 graded authorization: who may act as implementing agency


@dataclass(frozen=True)
class AgencyFacts:
    """An organization wanting to act as implementing agency, and what designates it."""

    org_id: int
    kind: str  # orgs.Organization.kind
    region_code: str
    designated: bool  # a city government's designation is in force (the province's is by 第八条 itself)
    designation_filed: bool  # that designation is filed with the provincial data_admin


def check_agency_level(region_code: str) -> None:
    """第八条: a county's operation is organized by its city; no county-level agency acts on its own."""
    if region_level(region_code) is RegionLevel.COUNTY:
        raise DomainError(
            "R08.1",
            "县（市、区）确需开展授权运营的由所在市（州）人民政府统筹实施，县级实施机构不得自行编制方案或签订协议",
            "a county's authorized operation is organized by its city; a county-level agency cannot act on its own",
            region=region_code,
        )


def check_agency_may_draft(agency: AgencyFacts) -> None:
    """R08.1: the province's agency is 省大数据中心; a city's agency must be designated by its government."""
    check_agency_level(agency.region_code)
    if agency.kind != "implementing_agency":
        raise DomainError(
            "R08.1", "该单位不是实施机构", "the organization is not an implementing agency", org=agency.org_id
        )
    if region_level(agency.region_code) is RegionLevel.CITY and not agency.designated:
        raise DomainError(
            "R08.1",
            "市（州）实施机构须由本级人民政府确定",
            "a city's implementing agency must be designated by the city government",
            org=agency.org_id,
        )


def check_agency_may_sign(agency: AgencyFacts) -> None:
    """R08.1: a city's designation must also be filed with the provincial data_admin before it signs."""
    check_agency_may_draft(agency)
    if region_level(agency.region_code) is RegionLevel.CITY and not agency.designation_filed:
        raise DomainError(
            "R08.1",
            "市（州）实施机构的确定尚未报省级数据管理部门备案，不得签订授权运营协议",
            "the city's designation of its implementing agency is not yet filed with the province",
            org=agency.org_id,
        )


def check_designation(*, government_region: str, agency_region: str, agency_kind: str) -> None:
    """R08.1: a city (市州) government designates an implementing agency of its own city."""
    level = region_level(government_region)
    if level is RegionLevel.PROVINCE:
        raise DomainError(
            "R08.1",
            "省级实施机构为省大数据中心，无需另行确定",
            "the province's implementing agency is the provincial big data center by 第八条",
        )
    check_agency_level(government_region)
    if agency_region != government_region:
        raise DomainError(
            "R08.1",
            "只能确定本级（本市州）的实施机构",
            "a city government designates an agency of its own city",
            government_region=government_region,
            agency_region=agency_region,
        )
    if agency_kind != "implementing_agency":
        raise DomainError(
            "R08.1",
            "被确定的单位须为实施机构类型",
            "the designated organization must be an implementing agency",
        )


def check_designation_filer(*, filer_region: str) -> None:
    """R08.1: designations are filed with the provincial data_admin."""
    if region_level(filer_region) is not RegionLevel.PROVINCE:
        raise PermissionDenied(
            "R08.1",
            "实施机构的确定应报省级数据管理部门备案",
            "designations are filed with the provincial data administration",
        )


# ---------------------------------------------------------------------------------------------------------
# R11.1 / R12.1 plan contents

# 第十一条 items in order; each maps to the fields that carry it. `check_plan_items` lists what is missing.
PLAN_ITEMS: list[tuple[str, str, tuple[str, ...]]] = [
    ("一", "授权运营名称", ("name",)),
    ("二", "授权运营的必要性和可行性论证", ("necessity", "feasibility")),
    ("三", "运营机构的选择条件（资金、管理、技术、服务、安全能力）", ("operator_conditions",)),
    ("四", "授权运营模式", ("mode",)),
    ("五", "数据资源范围、目录、更新频率及质量情况", ("resource_ids", "update_frequency", "data_quality")),
    (
        "六",
        "授权运营期限、建设内容、技术保障、实施进度、评价标准、退出机制、资产管理",
        (
            "term_years",
            "construction",
            "technical_support",
            "schedule",
            "evaluation_standard",
            "exit_mechanism",
            "asset_management",
        ),
    ),
    ("七", "公共数据产品和服务清单（两大类及预期形式）", ("products",)),
    ("八", "经营成本和收入核算机制、收益分配机制", ("accounting_mechanism", "revenue_distribution")),
    (
        "九",
        "数据安全、个人信息保护措施和应急处置措施",
        ("data_security", "personal_info_protection", "emergency_response"),
    ),
    ("十", "实施机构、运营机构及相关参与方权利义务", ("rights_obligations",)),
    ("十一", "监督管理及考核评价要求", ("supervision_evaluation",)),
    ("十二", "应明确的其他事项", ("other_matters",)),
]

# 第十一条（三）: the capabilities the conditions must cover.
OPERATOR_CONDITION_KEYS = ("funds", "management", "technology", "service", "security")
OPERATOR_CONDITION_LABELS = {
    "funds": "资金",
    "management": "管理",
    "technology": "技术",
    "service": "服务",
    "security": "安全能力",
}

# 第十二条: the feasibility study covers at least these five parts.
FEASIBILITY_KEYS = (
    "lifecycle_management",
    "social_demand",
    "market_size",
    "expected_results",
    "risk_prevention",
)
FEASIBILITY_LABELS = {
    "lifecycle_management": "授权运营数据全生命周期管理服务",
    "social_demand": "社会需求",
    "market_size": "市场规模",
    "expected_results": "预期成效",
    "risk_prevention": "风险防控",
}

MAX_TERM_YEARS = 5  # 第十六条（二）：原则上最长不超过5年

# R05.4 (第五条): priority fields a plan is tagged with, in the rules' wording.
PRIORITY_FIELD_LABELS = {
    "livelihood": "与民生紧密相关",
    "industry_potential": "行业发展潜力显著",
    "industrial_strategy": "产业战略意义重大",
}


def check_priority_fields(values) -> None:
    unknown = sorted(set(values) - set(PRIORITY_FIELD_LABELS))
    if unknown:
        raise DomainError(
            "R05.4",
            "重点领域只能是：与民生紧密相关、行业发展潜力显著、产业战略意义重大",
            "priority fields are livelihood, industry_potential and industrial_strategy only",
            unknown=unknown,
        )


def priority_field_labels(values) -> list[str]:
    return [PRIORITY_FIELD_LABELS[v] for v in values if v in PRIORITY_FIELD_LABELS]


# R13.1: what makes a change 重大变更 (scope, mode, term, operator conditions); everything else is minor.
MAJOR_CHANGE_FIELDS = frozenset({"resource_ids", "mode", "scenario", "term_years", "operator_conditions"})
AMENDABLE_FIELDS = (
    "necessity",
    "update_frequency",
    "data_quality",
    "construction",
    "technical_support",
    "schedule",
    "evaluation_standard",
    "exit_mechanism",
    "asset_management",
    "accounting_mechanism",
    "revenue_distribution",
    "data_security",
    "personal_info_protection",
    "emergency_response",
    "rights_obligations",
    "supervision_evaluation",
    "other_matters",
)


@dataclass(frozen=True)
class ProductItem:
    """One line of the product and service list (第十一条（七）, 第十六条（三））."""

    name: str
    product_class: str  # ProductClass
    form: str  # ProductForm
    description: str = ""
    technical_standard: str = ""  # agreement only: 技术标准
    security_review: str = ""  # agreement only: 安全审核要求
    business_review: str = ""  # agreement only: 业务规范性审核要求


@dataclass(frozen=True)
class PlanFacts:
    """A plan version's content as plain values (the 12 items of 第十一条 and the feasibility study)."""

    name: str = ""
    necessity: str = ""
    feasibility: Mapping[str, str] = field(default_factory=dict)
    operator_conditions: Mapping[str, str] = field(default_factory=dict)
    mode: str = ""
    scenario: str = ""
    resource_ids: tuple[int, ...] = ()
    update_frequency: str = ""
    data_quality: str = ""
    term_years: int | None = None
    construction: str = ""
    technical_support: str = ""
    schedule: str = ""
    evaluation_standard: str = ""
    exit_mechanism: str = ""
    asset_management: str = ""
    products: tuple[ProductItem, ...] = ()
    accounting_mechanism: str = ""
    revenue_distribution: str = ""
    data_security: str = ""
    personal_info_protection: str = ""
    emergency_response: str = ""
    rights_obligations: str = ""
    supervision_evaluation: str = ""
    other_matters: str = ""


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping):
        return not any(not _blank(v) for v in value.values())
    if isinstance(value, Iterable):
        return len(list(value)) == 0
    return False


def missing_plan_items(plan: PlanFacts) -> list[str]:
    """The 第十一条 items that are missing or incomplete, as「（五）数据资源范围…」strings, in order."""
    missing = []
    for number, label, fields in PLAN_ITEMS:
        if any(_blank(getattr(plan, f)) for f in fields):
            missing.append(f"（{number}）{label}")
            continue
        if number == "三" and any(_blank(plan.operator_conditions.get(k)) for k in OPERATOR_CONDITION_KEYS):
            gaps = "、".join(
                OPERATOR_CONDITION_LABELS[k]
                for k in OPERATOR_CONDITION_KEYS
                if _blank(plan.operator_conditions.get(k))
            )
            missing.append(f"（三）运营机构的选择条件缺少：{gaps}")
        if number == "七":
            classes = {p.product_class for p in plan.products}
            lacking = [PRODUCT_CLASS_LABELS[c] for c in ProductClass if c not in classes]
            if lacking:
                missing.append(f"（七）产品和服务清单缺少类别：{'、'.join(lacking)}")
            if any(_blank(p.name) or _blank(p.form) for p in plan.products):
                missing.append("（七）每项产品和服务须有名称和预期形式")
    return missing


def check_plan_items(plan: PlanFacts) -> None:
    """R11.1: a plan is submitted only with all 12 items of 第十一条; the refusal lists every gap."""
    missing = missing_plan_items(plan)
    if missing:
        raise DomainError(
            "R11.1",
            "实施方案内容不全，缺少：" + "；".join(missing),
            f"the plan lacks {len(missing)} item(s) of article 11: " + "; ".join(missing),
            missing=missing,
        )


def missing_feasibility_parts(feasibility: Mapping[str, str]) -> list[str]:
    return [FEASIBILITY_LABELS[k] for k in FEASIBILITY_KEYS if _blank(feasibility.get(k))]


def check_feasibility(feasibility: Mapping[str, str]) -> None:
    """R12.1: the feasibility study covers at least the five parts of 第十二条."""
    missing = missing_feasibility_parts(feasibility)
    if missing:
        raise DomainError(
            "R12.1",
            "可行性论证内容不全，缺少：" + "、".join(missing),
            "the feasibility study lacks: " + ", ".join(missing),
            missing=missing,
        )


def check_plan_term(term_years: int | None) -> None:
    """第十一条（六） and 第十六条（二）: the term in whole years, at most five."""
    if term_years is None or term_years < 1 or term_years > MAX_TERM_YEARS:
        raise DomainError(
            "R16.2",
            "授权运营期限应为1至5年（原则上最长不超过5年）",
            "the term must be 1 to 5 years",
            term_years=term_years,
        )


def check_mode(mode: str, *, scenario: str) -> None:
    """R09.1: one of the three modes; 依场景授权 names exactly one scenario, the others none."""
    if mode not in set(Mode):
        raise DomainError(
            "R09.1",
            "授权运营模式须为整体授权、分领域授权或依场景授权",
            "mode must be whole, domain or scenario",
            mode=mode,
        )
    names = [s for s in (scenario or "").replace("；", ";").split(";") if s.strip()]
    if mode == Mode.SCENARIO and len(names) != 1:
        raise DomainError(
            "R09.1",
            "依场景授权须且只能明确一个应用场景（一场景一授权）",
            "scenario authorization names exactly one scenario",
            scenarios=len(names),
        )
    if mode != Mode.SCENARIO and names:
        raise DomainError(
            "R09.1",
            "只有依场景授权才填写应用场景",
            "only scenario authorization names a scenario",
        )


def check_products(products: Iterable[ProductItem]) -> None:
    for p in products:
        if p.product_class not in set(ProductClass) or p.form not in set(ProductForm):
            raise DomainError(
                "R11.1",
                f"产品和服务「{p.name}」的类别或形式不在规定范围内",
                f"product {p.name!r} has an unknown class or form",
            )


def check_plan_submittable(plan: PlanFacts) -> None:
    """R11.1 + R12.1 + R09.1 + term: everything a government needs to decide."""
    check_plan_items(plan)
    check_feasibility(plan.feasibility)
    check_mode(plan.mode, scenario=plan.scenario)
    check_plan_term(plan.term_years)
    check_products(plan.products)


def major_changes(before: PlanFacts, after: PlanFacts) -> list[str]:
    """R13.1: which of scope, mode, term, operator conditions differ."""
    changed = []
    if set(before.resource_ids) != set(after.resource_ids):
        changed.append("resource_ids")
    for f in ("mode", "scenario", "term_years"):
        if getattr(before, f) != getattr(after, f):
            changed.append(f)
    if dict(before.operator_conditions) != dict(after.operator_conditions):
        changed.append("operator_conditions")
    return changed


def check_minor_amendment(field_name: str) -> None:
    """R13.1: a frozen plan takes only minor amendments; a major change needs a new version and approval."""
    if field_name in MAJOR_CHANGE_FIELDS:
        raise DomainError(
            "R13.1",
            "数据资源范围、授权模式、期限或运营机构选择条件的变更属于较大变更，应按规定程序重新报批",
            "changing scope, mode, term or operator conditions is a major change needing a new approval",
            field=field_name,
        )
    if field_name not in AMENDABLE_FIELDS:
        raise DomainError(
            "R13.1",
            f"该事项不能以修正方式变更：{field_name}",
            f"{field_name} cannot be amended",
            field=field_name,
        )


# ---------------------------------------------------------------------------------------------------------
# R13.1 approval and four eyes


def check_same_level_government(*, approver_region: str, plan_region: str) -> None:
    """R13.1: only the same-level government (本级人民政府) approves a plan."""
    if approver_region != plan_region:
        raise PermissionDenied(
            "R13.1",
            "实施方案须由本级人民政府审议通过",
            "a plan is approved only by the government of its own level and region",
            approver_region=approver_region,
            plan_region=plan_region,
        )


def check_four_eyes(
    *, actor_person_id: int | None, submitter_person_id: int | None, requirement: str
) -> None:
    """Whoever submitted may not approve (docs/STYLE.md: four eyes is a rule)."""
    if actor_person_id is not None and actor_person_id == submitter_person_id:
        raise PermissionDenied(
            requirement,
            "报审人不得审批本人报审的事项",
            "whoever submitted may not approve",
        )


def check_collective_decision(
    *,
    meeting: str,
    decision_ref: str,
    meeting_on: dt.date,
    today: dt.date,
    not_before: dt.date | None,
    requirement: str,
) -> None:
    """A 三重一大 decision is recorded with its meeting, date and decision; not in the future."""
    if not (meeting or "").strip() or not (decision_ref or "").strip():
        raise DomainError(
            requirement,
            "须记录“三重一大”集体决策的会议名称和决策文号（纪要）",
            "record the 三重一大 meeting and its decision reference",
        )
    if meeting_on > today:
        raise DomainError(requirement, "决策日期不能晚于今天", "the decision date cannot be in the future")
    if not_before is not None and meeting_on < not_before:
        raise DomainError(
            requirement,
            f"决策日期不能早于报审日期（{not_before.isoformat()}）",
            f"the decision cannot predate the submission ({not_before.isoformat()})",
        )


# ---------------------------------------------------------------------------------------------------------
# R13.2 / R15.1 filing deadlines

FILING_WORKDAYS = 10  # 第十三条、第十五条：10个工作日内


@dataclass(frozen=True)
class FilingState:
    due_on: dt.date
    filed_on: dt.date | None
    overdue: bool  # filed late, or not filed and past due
    days_left: int | None  # calendar days until due when not filed; negative once overdue


def filing_state(*, due_on: dt.date, filed_on: dt.date | None, today: dt.date) -> FilingState:
    """R13.2/R15.1: late filing is accepted but stays flagged."""
    if filed_on is not None:
        return FilingState(due_on, filed_on, filed_on > due_on, None)
    return FilingState(due_on, None, today > due_on, (due_on - today).days)


def check_plan_filer(*, filer_region: str, plan_region: str) -> None:
    """R13.2: the city's data_admin (of the plan's city) files with the province; a provincial plan is
    filed by the provincial data_admin itself."""
    level = region_level(plan_region)
    expected = plan_region if level is not RegionLevel.COUNTY else plan_region[:4] + "00"
    if filer_region != expected:
        raise PermissionDenied(
            "R13.2",
            "实施方案应由所在市（州）数据管理部门向省级数据管理部门备案",
            "the plan is filed by the data administration of its city (or the province for provincial plans)",
            filer_region=filer_region,
            plan_region=plan_region,
        )


def check_agreement_filer(*, filer_org_id: int, agency_org_id: int) -> None:
    """R15.1: the implementing agency that signed files the agreement with the same-level data_admin."""
    if filer_org_id != agency_org_id:
        raise PermissionDenied(
            "R15.1",
            "授权运营协议由签订协议的实施机构报备案",
            "the signing implementing agency files the agreement",
        )


# ---------------------------------------------------------------------------------------------------------
# R10.1 order


@dataclass(frozen=True)
class PlanGate:
    """What an agreement needs from its plan (R10.1)."""

    status: str
    approved_on: dt.date | None
    filing: FilingState | None


def check_plan_ready_for_selection(gate: PlanGate) -> None:
    """R10.1/第十四条: selection follows the government-approved plan."""
    if gate.status != PlanStatus.APPROVED:
        raise DomainError(
            "R10.1",
            "实施方案尚未经本级人民政府审议通过，不得开展运营机构选择",
            "the plan is not approved; operator selection cannot start",
        )


def check_plan_ready_for_agreement(gate: PlanGate) -> None:
    """R10.1: an approved plan that is filed, or still within its filing deadline."""
    check_plan_ready_for_selection(gate)
    if gate.filing is not None and gate.filing.filed_on is None and gate.filing.overdue:
        raise DomainError(
            "R10.1",
            f"实施方案逾期未备案（应于{gate.filing.due_on.isoformat()}前备案），不得签订授权运营协议",
            f"the plan was due for filing on {gate.filing.due_on.isoformat()} and is not filed",
        )


def check_selection_decided(status: str, winner_org_id: int | None, operator_org_id: int) -> None:
    """R10.1: no agreement without a completed selection; the agreement is with its winner."""
    if status != SelectionStatus.DECIDED or winner_org_id is None:
        raise DomainError(
            "R10.1",
            "运营机构选择尚未完成，不得签订授权运营协议",
            "the operator selection is not complete; no agreement can be made",
        )
    if winner_org_id != operator_org_id:
        raise DomainError(
            "R10.1", "协议相对方须为依法选定的运营机构", "the agreement must be with the selected operator"
        )


# ---------------------------------------------------------------------------------------------------------
# R14.1 / R14.2 selection


@dataclass(frozen=True)
class CandidateFacts:
    id: int
    org_id: int
    org_kind: str
    conditions_met: Mapping[str, bool]  # per OPERATOR_CONDITION_KEYS, as assessed against the plan
    data_security_compliant: bool  # 符合国家数据安全保护要求
    dishonest: bool  # a 失信 record in force
    score: Decimal | None


def check_method(method: str) -> None:
    if method not in set(SelectionMethod):
        raise DomainError(
            "R14.1",
            "运营机构须以公开招标、邀请招标、谈判等公平竞争方式确定",
            "operators are selected by public tender, invited tender or negotiation",
            method=method,
        )


def check_consulted(consultations: int) -> None:
    """N-SPEC.3: the agreement terms in the tender/negotiation documents were consulted on first."""
    if consultations < 1:
        raise DomainError(
            "N-SPEC.3",
            "招标、采购、谈判文件有关授权运营协议内容应充分征求各方意见，请先记录征求意见情况",
            "record the consultation on the agreement terms before the selection starts",
        )


def check_operator_kind(org_kind: str) -> None:
    """R14.2: an operator is a legal person registered as an operator (统一社会信用代码)."""
    if org_kind != "operator":
        raise DomainError(
            "R14.2", "候选单位须为运营机构类型的法人", "a candidate must be a legal person of operator kind"
        )


def check_score(score: Decimal) -> None:
    if score < 0 or score > 100:
        raise DomainError("R14.1", "评分须在0至100之间", "a score is between 0 and 100")


def eligibility_gaps(c: CandidateFacts) -> list[str]:
    gaps = []
    if c.org_kind != "operator":
        gaps.append("非运营机构类型法人")
    lacking = [OPERATOR_CONDITION_LABELS[k] for k in OPERATOR_CONDITION_KEYS if not c.conditions_met.get(k)]
    if lacking:
        gaps.append("不满足实施方案的选择条件：" + "、".join(lacking))
    if not c.data_security_compliant:
        gaps.append("不符合国家数据安全保护要求")
    if c.dishonest:
        gaps.append("存在失信记录")
    return gaps


def check_candidate_eligible(c: CandidateFacts) -> None:
    """R14.2: capability against the plan's conditions, good credit (no 失信), national data security."""
    if c.dishonest:
        raise DomainError(
            "R14.2",
            "候选运营机构存在失信记录，信用状况不良，不得确定为运营机构",
            "the candidate has a dishonesty (失信) record in force and cannot be selected",
            org=c.org_id,
        )
    gaps = eligibility_gaps(c)
    if gaps:
        raise DomainError(
            "R14.2",
            "候选运营机构不符合条件：" + "；".join(gaps),
            "the candidate does not meet the plan's conditions: " + "; ".join(gaps),
            org=c.org_id,
        )


def check_winner(method: str, candidates: list[CandidateFacts], winner_id: int) -> None:
    """R14.1: enough competitors, everyone scored, and the winner is the best-scored eligible one."""
    minimum = MIN_CANDIDATES[SelectionMethod(method)]
    if len(candidates) < minimum:
        raise DomainError(
            "R14.1",
            f"{SELECTION_METHOD_LABELS[SelectionMethod(method)]}的候选单位不得少于{minimum}家",
            f"{method} needs at least {minimum} candidates",
            candidates=len(candidates),
        )
    if any(c.score is None for c in candidates):
        raise DomainError("R14.1", "所有候选单位评分后方可确定运营机构", "score every candidate first")
    by_id = {c.id: c for c in candidates}
    if winner_id not in by_id:
        raise DomainError(
            "R14.1", "中选单位须为本次遴选的候选单位", "the winner must be one of the candidates"
        )
    winner = by_id[winner_id]
    check_candidate_eligible(winner)  # R14.2
    best = max(c.score for c in candidates if not eligibility_gaps(c))
    if winner.score < best:
        raise DomainError(
            "R14.1",
            "中选单位须为符合条件的候选单位中评分最高者",
            "the winner must be the highest-scored eligible candidate",
        )


# ---------------------------------------------------------------------------------------------------------
# R16.* agreements

AGREEMENT_ITEMS: list[tuple[str, str, tuple[str, ...]]] = [
    ("一", "授权运营的公共数据资源范围及数据资源目录", ("resource_ids",)),
    ("二", "运营期限", ("starts_on", "ends_on")),
    ("三", "产品和服务清单及其技术标准、安全审核要求、业务规范性审核要求", ("products",)),
    ("四", "技术支撑平台", ("technical_platform",)),
    ("五", "资产权属", ("asset_ownership",)),
    ("六", "信息披露要求", ("disclosure_duties",)),
    ("七", "经营成本和收入核算要求、收益分配机制", ("accounting_revenue",)),
    ("八", "数据安全、个人信息保护要求和风险监测、应急处置措施", ("security_measures",)),
    ("九", "运营成效评价，续约或退出机制", ("evaluation_renewal_exit",)),
    ("十", "违约责任", ("liability",)),
    ("十一", "争议解决方式", ("dispute_resolution",)),
    ("十二", "协议变更、终止条件", ("change_termination",)),
    ("十三", "需要明确的其他事项", ("other_matters",)),
]


@dataclass(frozen=True)
class AgreementFacts:
    resource_ids: tuple[int, ...] = ()
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    products: tuple[ProductItem, ...] = ()
    technical_platform: str = ""
    asset_ownership: str = ""
    disclosure_duties: str = ""
    accounting_revenue: str = ""
    security_measures: str = ""
    evaluation_renewal_exit: str = ""
    liability: str = ""
    dispute_resolution: str = ""
    change_termination: str = ""
    other_matters: str = ""
    no_redevelopment_clause: bool = False
    mode: str = ""
    scenario: str = ""
    # R19.1: fields granted per resource ((resource id, (field, …)), …); a resource not listed is granted
    # with every catalogued field. The sandbox projects only granted fields into the jail.
    field_grants: tuple[tuple[int, tuple[str, ...]], ...] = ()


def missing_agreement_items(a: AgreementFacts) -> list[str]:
    missing = [
        f"（{n}）{label}"
        for n, label, fields in AGREEMENT_ITEMS
        if any(_blank(getattr(a, f)) for f in fields)
    ]
    if a.products and any(
        _blank(p.technical_standard) or _blank(p.security_review) or _blank(p.business_review)
        for p in a.products
    ):
        missing.append("（三）每项产品和服务须载明技术标准、安全审核要求和业务规范性审核要求")
    if not a.no_redevelopment_clause:
        missing.append("（六）运营机构不得直接或间接参与再开发的条款（实施规范第十四条）")
    return missing


def check_agreement_items(a: AgreementFacts) -> None:
    """R16.1 (+N-SPEC.1): all 13 items of 第十六条 and the no-re-development clause."""
    missing = missing_agreement_items(a)
    if missing:
        raise DomainError(
            "R16.1",
            "授权运营协议内容不全，缺少：" + "；".join(missing),
            f"the agreement lacks {len(missing)} item(s) of article 16: " + "; ".join(missing),
            missing=missing,
        )


def add_years(day: dt.date, years: int) -> dt.date:
    """Calendar years; 29 February maps to 28 February in a common year."""
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    return day.replace(year=year, day=min(day.day, last))


def agreement_term_limit(start: dt.date, years: int = MAX_TERM_YEARS) -> dt.date:
    """The latest allowed end date: the same date `years` calendar years on (民法典第二百零一条: the
    first day is not counted; 第二百零三条: without a corresponding day, the month's last day ends it)."""
    return add_years(start, years)


def check_agreement_term(start: dt.date, end: dt.date, *, plan_term_years: int | None = None) -> None:
    """R16.2: at most 5 years (and never longer than the plan's term). From 2026-01-01 an agreement may
    end on 2031-01-01; ending 2031-01-02 is 5 years and 1 day. 2028-02-29 → 2033-02-28."""
    if end <= start:
        raise DomainError("R16.2", "协议终止日期须晚于起始日期", "the agreement must end after it starts")
    # add_years maps 29 Feb to 28 Feb: the rules count calendar years, never 5×365 days.
    if end > agreement_term_limit(start):
        raise DomainError(
            "R16.2",
            "授权运营期限不得超过5年",
            "the term exceeds 5 years",
            starts_on=start.isoformat(),
            ends_on=end.isoformat(),
            latest=agreement_term_limit(start).isoformat(),
        )
    if plan_term_years is not None and end > agreement_term_limit(start, plan_term_years):
        raise DomainError(
            "R16.3",
            f"协议期限不得超过实施方案确定的授权运营期限（{plan_term_years}年）",
            f"the term exceeds the plan's {plan_term_years} years",
        )


def check_scope_within_plan(resource_ids: Iterable[int], plan_resource_ids: Iterable[int]) -> None:
    """R16.3: the agreement's resources are a subset of its plan's."""
    outside = sorted(set(resource_ids) - set(plan_resource_ids))
    if outside:
        raise DomainError(
            "R16.3",
            "协议的数据资源范围超出实施方案确定的范围",
            "the agreement's resource scope lies outside its plan's",
            outside=outside,
        )


def normalize_field_grants(grants) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """{resource id: [field, …]} (or pairs) → sorted pairs of sorted, de-duplicated field names."""
    items = grants.items() if isinstance(grants, Mapping) else (grants or ())
    out = []
    for rid, names in items:
        try:
            rid = int(rid)
        except (TypeError, ValueError):
            raise DomainError(
                "R19.1", "授权字段须按数据资源编号给出", "field grants are keyed by resource id"
            ) from None
        if isinstance(names, str) or not all(isinstance(n, str) for n in names or ()):
            raise DomainError(
                "R19.1", "授权字段须为字段名列表", "granted fields must be a list of field names"
            )
        out.append((rid, tuple(sorted({n.strip().lower() for n in names if n.strip()}))))
    return tuple(sorted(out))


def check_field_grants(
    grants: Iterable[tuple[int, tuple[str, ...]]],
    resource_ids: Iterable[int],
    catalogued: Mapping[int, Iterable[str]],
) -> None:
    """R19.1: fields are granted only for resources in the scope, only catalogued ones, at least one each."""
    scope = set(resource_ids)
    seen: set[int] = set()
    for rid, names in grants:
        if rid not in scope or rid in seen:
            raise DomainError(
                "R19.1",
                "授权字段只能针对协议范围内的数据资源，且每个资源只列一次",
                "fields may be granted only for resources in the agreement's scope, once per resource",
                resource=rid,
            )
        seen.add(rid)
        if not names:
            raise DomainError(
                "R19.1",
                "授权字段列表不能为空（不授权该资源时应将其移出协议范围）",
                "a field grant cannot be empty (drop the resource from the scope instead)",
                resource=rid,
            )
        unknown = sorted(set(names) - {n.lower() for n in catalogued.get(rid, ())})
        if unknown:
            raise DomainError(
                "R19.1",
                "授权字段须为该数据资源已编目的字段",
                "granted fields must be catalogued fields of the resource",
                resource=rid,
                unknown=unknown,
            )


def check_mode_matches_plan(*, mode: str, scenario: str, plan_mode: str, plan_scenario: str) -> None:
    """R16.3: the agreement's mode (and scenario) is the plan's."""
    if mode != plan_mode or (plan_mode == Mode.SCENARIO and scenario.strip() != plan_scenario.strip()):
        raise DomainError(
            "R16.3",
            "协议的授权运营模式须与实施方案一致",
            "the agreement's mode must be the plan's",
            mode=mode,
            plan_mode=plan_mode,
        )


def check_cosignatures(
    *, mode: str, required_org_ids: Iterable[int], cosigned_org_ids: Iterable[int]
) -> None:
    """R09.1: 分领域授权 is made by the agency together with the participating data source units."""
    if mode != Mode.DOMAIN:
        return
    missing = sorted(set(required_org_ids) - set(cosigned_org_ids))
    if missing:
        raise DomainError(
            "R09.1",
            "分领域授权须由实施机构会同参与的数源单位共同签署，尚有数源单位未会签",
            "domain authorization needs the co-signature of every participating data source unit",
            missing_orgs=missing,
        )


def check_cosigner(*, mode: str, org_id: int, required_org_ids: Iterable[int]) -> None:
    if mode != Mode.DOMAIN:
        raise DomainError("R09.1", "只有分领域授权需要数源单位会签", "only domain authorization is co-signed")
    if org_id not in set(required_org_ids):
        raise DomainError(
            "R09.1",
            "只有提供协议范围内数据资源的数源单位可以会签",
            "only data source units providing resources in scope co-sign",
        )


def check_activation(*, today: dt.date, starts_on: dt.date, ends_on: dt.date) -> None:
    if today < starts_on:
        raise DomainError(
            "R15.1",
            f"协议自{starts_on.isoformat()}起生效，尚未到生效日期",
            "the agreement has not started yet",
        )
    if today > ends_on:
        raise DomainError("R16.2", "协议已期满，不能生效", "the agreement's term has ended")


def check_reason(reason: str, requirement: str) -> None:
    if not (reason or "").strip():
        raise DomainError(requirement, "须写明理由", "a reason is required")


def can_submit_plan(plan: PlanFacts) -> bool:
    return _passes(check_plan_submittable, plan)


def can_sign(agency: AgencyFacts) -> bool:
    return _passes(check_agency_may_sign, agency)
