"""Pure checks of the catalog's articles: scope entry (R05.1–R05.3, R17.1), grading (N-CLS.1–7, R07.1),
field definitions, and the registration procedure (N-REG.6–17). No ORM, clock, settings or I/O here."""

import datetime as dt
import re
from dataclasses import dataclass, field

from shuyu.core.errors import DomainError, PermissionDenied

# ---------------------------------------------------------------- scope entry (R05, R17.1)


@dataclass(frozen=True)
class ResourceFacts:
    id: int
    code: str
    name: str
    grading_level: str  # "" when not graded
    forbidden: bool  # any R05.2 flag
    shared_from_other: bool
    sharing_consented: bool
    important_approved: bool
    # R17.1 / N-REG.9: registration state, computed by the selector at the time of the check.
    registered: bool = False
    registration_pending: bool = False
    first_provided_on: dt.date | None = None
    registration_due_on: dt.date | None = None  # 20 working days after first provision
    registration_overdue: bool = False
    code_before_use: bool = False  # policy: demand the code before the resource enters any scope


def check_resource_may_enter_scope(r: ResourceFacts) -> None:
    """A resource may enter a plan or agreement only when all of R05.1–R05.3 and R17.1 hold."""
    if r.forbidden:  # R05.2
        raise DomainError(
            "R05.2",
            f"资源「{r.name}」涉及国家秘密、影响公共安全社会稳定或依法不能对社会开放，不得开展授权运营",
            f"resource {r.code} is excluded from authorized operation by law",
            resource=r.code,
        )
    if not r.grading_level:  # R05.1
        raise DomainError(
            "R05.1",
            f"资源「{r.name}」未完成分类分级，不得纳入授权范围",
            f"resource {r.code} is not classified and graded",
            resource=r.code,
        )
    if r.grading_level == "core":  # N-CLS.7 (policy): core data never enters
        raise DomainError(
            "R05.1",
            f"资源「{r.name}」为核心数据，不得纳入授权运营",
            f"resource {r.code} is core data",
            resource=r.code,
        )
    if r.grading_level == "important" and not r.important_approved:  # N-CLS.7
        raise DomainError(
            "R05.1",
            f"资源「{r.name}」为重要数据，须有风险评估并经数据管理部门批准",
            f"resource {r.code} is important data without risk assessment and approval",
            resource=r.code,
        )
    if r.shared_from_other and not r.sharing_consented:  # R05.3
        raise DomainError(
            "R05.3",
            f"资源「{r.name}」经政务数据共享获得，须征得共享数据提供单位同意",
            f"resource {r.code} was obtained by sharing and lacks the providing unit's consent",
            resource=r.code,
        )
    check_registration_allows_use(r)


def check_registration_allows_use(r: ResourceFacts) -> None:
    """R17.1 / N-REG.9: registered; or, by default, not yet past 20 working days after first provision."""
    if r.registered:
        return
    if r.code_before_use:  # R17.1 read strictly (policy switch)
        raise DomainError(
            "R17.1",
            f"资源「{r.name}」尚未取得登记结果查询码，按本平台政策须先登记后纳入授权范围",
            f"resource {r.code} has no registration code; policy demands the code before use",
            resource=r.code,
        )
    if r.registration_overdue:  # N-REG.9
        raise DomainError(
            "R17.1",
            f"资源「{r.name}」首次提供已超过20个工作日仍未申请登记（期限{r.registration_due_on}）",
            f"resource {r.code} was first provided more than 20 working days ago and is not registered",
            resource=r.code,
        )


def registration_overdue(*, registered: bool, pending: bool, due_on: dt.date | None, today: dt.date) -> bool:
    """N-REG.9: overdue when no registration or application exists after the due date has passed."""
    return not registered and not pending and due_on is not None and today > due_on


# ---------------------------------------------------------------- grading (N-CLS.1–7)

IMPACT_OBJECTS = {
    "national_security": "国家安全",
    "economic_operation": "经济运行",
    "social_order": "社会秩序",
    "public_interest": "公共利益",
    "organization_rights": "组织权益",
    "individual_rights": "个人权益",
}
IMPACT_DEGREES = {"especially_serious": "特别严重危害", "serious": "严重危害", "general": "一般危害"}
GRADING_FACTORS = ("领域", "群体", "区域", "精度", "规模", "深度", "覆盖度", "重要性")  # N-CLS.4
SECTORS = (
    "工业",
    "电信",
    "金融",
    "能源",
    "交通运输",
    "自然资源",
    "卫生健康",
    "教育",
    "科学",
    "市场监管",
    "税务",
    "人力资源和社会保障",
    "医疗保障",
    "公用事业",
    "司法",
    "公安",
    "民政",
    "住房和城乡建设",
    "农业农村",
    "生态环境",
    "其他",
)

# N-CLS.3: impact object × degree → level (GB/T 43697-2024 as transcribed, NATIONAL.md §6 [P]).
_TABLE = {
    "national_security": ("core", "core", "important"),
    "economic_operation": ("core", "important", "general"),
    "social_order": ("core", "important", "general"),
    "public_interest": ("core", "important", "general"),
    "organization_rights": ("general", "general", "general"),
    "individual_rights": ("general", "general", "general"),
}
_DEGREE_INDEX = {"especially_serious": 0, "serious": 1, "general": 2}
_STRICTNESS = {"general": 0, "important": 1, "core": 2}


def grade_for_impacts(impacts: list[tuple[str, str]] | list[list[str]]) -> str:
    """The level for the given (impact object, degree) pairs, taking the strictest (就高从严, N-CLS.3)."""
    if not impacts:
        raise DomainError(
            "N-CLS.3",
            "须至少填写一项影响对象及影响程度",
            "at least one impact object and degree is required",
        )
    levels = []
    for obj, degree in impacts:
        if obj not in _TABLE or degree not in _DEGREE_INDEX:
            raise DomainError(
                "N-CLS.3",
                f"未知的影响对象或影响程度：{obj} / {degree}",
                f"unknown impact object or degree: {obj} / {degree}",
            )
        levels.append(_TABLE[obj][_DEGREE_INDEX[degree]])
    return max(levels, key=_STRICTNESS.__getitem__)


def check_grading_inputs(
    *, sector: str, grading_factors: dict, general_sublevel: int | None, level: str
) -> None:
    if not sector:
        raise DomainError("N-CLS.4", "须先按行业领域分类", "the sector (行业领域) is required")
    unknown = set(grading_factors) - set(GRADING_FACTORS)
    if unknown:
        raise DomainError(
            "N-CLS.4",
            f"未知的分级要素：{'、'.join(sorted(unknown))}（可用：{'、'.join(GRADING_FACTORS)}）",
            f"unknown grading factors: {', '.join(sorted(unknown))}",
        )
    if general_sublevel is not None and (level != "general" or general_sublevel not in (1, 2, 3, 4)):
        raise DomainError(
            "N-CLS.6",
            "一般数据子级只适用于一般数据，取值1–4",
            "general sub-level applies to general data only, 1–4",
        )


@dataclass(frozen=True)
class GraderFacts:
    """Who tries to grade: the actor's organization, against the resource's provider and authority."""

    actor_org_id: int | None
    provider_org_id: int
    industry_authority_org_id: int | None
    actor_is_provider_role: bool
    actor_is_authority_role: bool


def check_may_grade(g: GraderFacts) -> str:
    """R07.1: only the data source unit that provides the resource, or its industry authority. Returns basis."""
    if g.actor_is_provider_role and g.actor_org_id == g.provider_org_id:
        return "data_source_unit"
    if (
        g.actor_is_authority_role
        and g.industry_authority_org_id is not None
        and g.actor_org_id == g.industry_authority_org_id
    ):
        return "industry_authority"
    raise PermissionDenied(
        "R07.1",
        "分类分级只能由提供该资源的数源单位或其行业主管部门确定",
        "only the providing data source unit or its industry authority may grade a resource",
    )


# ---------------------------------------------------------------- fields

FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
SENSITIVITIES = ("direct", "quasi", "sensitive", "none")
FIELD_TYPES = ("string", "integer", "decimal", "date", "datetime", "boolean")
FORMATS = ("", "cn_id", "uscc", "mobile", "region", "code_list")


@dataclass(frozen=True)
class FieldSpec:
    """A field as declared by the data source unit."""

    name: str
    label: str = ""
    type: str = "string"
    unit: str = ""
    scale: int = 2
    format: str = ""
    code_list: tuple[str, ...] = ()
    required: bool = False
    is_key: bool = False
    is_disclosure_unit: bool = False
    sensitivity: str = "none"
    extra: dict = field(default_factory=dict, compare=False)


def check_field_specs(specs: list[FieldSpec]) -> None:
    if not specs:
        raise DomainError("R23.1", "资源须至少包含一个数据项", "a resource needs at least one field")
    seen: set[str] = set()
    for s in specs:
        if not FIELD_NAME.fullmatch(s.name or ""):
            raise DomainError(
                "R23.1",
                f"字段名「{s.name}」不合规范：须以字母或下划线开头，只含字母、数字和下划线",
                f"field name {s.name!r} must be an identifier",
            )
        if s.name.lower() in seen:
            raise DomainError("R23.1", f"字段名重复：{s.name}", f"duplicate field name {s.name}")
        seen.add(s.name.lower())
        if s.type not in FIELD_TYPES or s.sensitivity not in SENSITIVITIES or s.format not in FORMATS:
            raise DomainError(
                "R23.1",
                f"字段「{s.name}」的类型、格式或敏感性取值无效",
                f"field {s.name}: bad type/format/sensitivity",
            )
        if s.format == "code_list" and not s.code_list:
            raise DomainError(
                "R23.1", f"字段「{s.name}」须给出代码表取值", f"field {s.name}: code list is empty"
            )
        if s.type == "decimal" and not 0 <= s.scale <= 8:
            raise DomainError("R23.1", f"字段「{s.name}」小数位数须在0–8之间", f"field {s.name}: scale 0–8")
    units = [s for s in specs if s.is_disclosure_unit]
    if len(units) > 1:
        raise DomainError(
            "R19.2",
            "每个资源只能有一个披露单元字段（身份证号或统一社会信用代码）",
            "a resource has at most one disclosure-unit field",
        )
    for s in units:
        # The gate counts contributors by this field: it identifies a person or an enterprise.
        if s.sensitivity != "direct":
            raise DomainError(
                "R19.2",
                f"披露单元字段「{s.name}」须标记为直接标识符",
                f"disclosure-unit field {s.name} must be a direct identifier",
            )


# ---------------------------------------------------------------- identifiers (N-ID, N-USCC)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def cn_id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def is_valid_cn_id(value: str) -> bool:
    """GB 11643-1999 (N-ID.1/2): 18 characters, a real birth date, ISO 7064 MOD 11-2 check."""
    v = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", v):
        return False
    try:
        dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return False
    return cn_id_check_char(v[:17]) == v[17]


def is_valid_uscc(value: str) -> bool:
    from shuyu.orgs.rules import USCC_CHARSET, uscc_check_char

    v = (value or "").strip().upper()
    if len(v) != 18 or any(c not in USCC_CHARSET for c in v):
        return False
    return uscc_check_char(v[:17]) == v[17]


MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")


def is_mobile(value: str) -> bool:
    return bool(MOBILE.fullmatch((value or "").strip()))


# ---------------------------------------------------------------- consistency rules

COMPARISONS = ("<", "<=", "=", "!=", ">=", ">")


def check_consistency_rule(left: str, op: str, right: str, field_names: set[str]) -> None:
    if op not in COMPARISONS:
        raise DomainError("R23.1", f"一致性规则只支持比较：{' '.join(COMPARISONS)}", "unsupported comparison")
    for name in (left, right):
        if name not in field_names:
            raise DomainError(
                "R23.1", f"一致性规则引用了未登记的字段：{name}", f"rule names unknown field {name}"
            )


# ---------------------------------------------------------------- registration (N-REG.6–17)

ACCEPT_WORKDAYS = 3  # N-REG.13
REVIEW_WORKDAYS = 20  # N-REG.14
PUBLICITY_WORKDAYS = 10  # N-REG.15
FIRST_REGISTRATION_WORKDAYS = 20  # N-REG.9
CANCELLATION_WORKDAYS = 10  # N-REG.12
VALIDITY_YEARS = 3  # N-REG.17
RENEWAL_WINDOW_DAYS = 60  # N-REG.17: 「期满前60日内」, calendar days
# N-REG.9 second part (R32.1): operations existing before the 办法 took effect apply within 30 working days
# after it; the due date (2025-04-14) is computed with core.calendar by the selector, never written here.
MEASURES_EFFECTIVE_ON = dt.date(2025, 3, 1)
TRANSITION_WORKDAYS = 30
# N-REG.11: what a correction may change in the registered record (the public fields of N-REG.15).
CORRECTABLE_FIELDS = {"data_name": "登记数据名称", "summary": "数据内容简介"}
CORRECTION_BASES = {"consent": "登记主体书面同意", "evidence": "证明登记内容确有错误的材料"}

# N-REG.8: the materials of a first registration.
FIRST_MATERIALS = {
    "applicant": "主体信息",
    "lawful_source": "数据合法合规性来源",
    "resource": "数据资源情况",
    "evidence": "存证情况",
    "products": "产品和服务信息",
    "scenarios": "应用场景信息",
    "risk_assessment": "数据安全风险评估",
}

# N-REG.6: the procedure as data. Who makes each move is checked in the services (registrar vs applicant).
TRANSITIONS: dict[str, set[str]] = {
    "applied": {"supplement", "not_accepted", "accepted"},
    "supplement": {"applied"},  # resubmission restarts the 3-day clock
    "accepted": {"publicizing", "not_accepted", "cancelled"},  # a cancellation needs no notice
    "publicizing": {"objection", "coded"},
    "objection": {"publicizing", "terminated"},
    "coded": {"expired", "cancelled", "revoked", "superseded"},
    "not_accepted": set(),
    "terminated": set(),
    "expired": set(),
    "cancelled": set(),
    "revoked": set(),
    "superseded": set(),
}
STATUS_LABELS = {
    "applied": "已申请",
    "supplement": "待补正",
    "not_accepted": "不予受理",
    "accepted": "已受理",
    "publicizing": "公示中",
    "objection": "异议复核",
    "terminated": "已终止",
    "coded": "已赋码",
    "expired": "期满注销",
    "cancelled": "已注销",
    "revoked": "已撤销",
    "superseded": "已被变更",
}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, set()):
        raise DomainError(
            "N-REG.6",
            f"登记当前状态为「{STATUS_LABELS.get(current, current)}」，不能转为「{STATUS_LABELS.get(target, target)}」",
            f"registration cannot move from {current} to {target}",
        )


def check_first_materials(materials: dict) -> None:
    """N-REG.8: every item of a first registration is present (a reference to a document, not data)."""
    missing = [label for key, label in FIRST_MATERIALS.items() if not str(materials.get(key) or "").strip()]
    if missing:
        raise DomainError(
            "N-REG.8",
            f"首次登记材料不全，缺少：{'、'.join(missing)}",
            f"first registration lacks: {', '.join(k for k in FIRST_MATERIALS if not materials.get(k))}",
        )


def check_supplement_once(already_requested: bool, items: list[str]) -> None:
    """N-REG.13: 一次性告知 — one notice listing everything missing; a second notice is refused."""
    if already_requested:
        raise DomainError(
            "N-REG.13",
            "补正应一次性告知，不得再次要求补正",
            "missing materials must be requested once, all together",
        )
    if not items:
        raise DomainError(
            "N-REG.13", "补正告知须列明需补正的全部材料", "the notice must list what is missing"
        )


def check_correction_request(
    *, corrections: dict, reason: str, is_registrant: bool, real_name: bool, evidence_ref: str
) -> dict:
    """N-REG.11: the registrant, or an interested party under real name with evidence, asks for a
    correction of named public fields of the record. Returns the cleaned corrections."""
    if not real_name:
        raise DomainError(
            "N-REG.11", "更正申请须实名提出", "a correction must be requested under a real name"
        )
    unknown = sorted(set(corrections) - set(CORRECTABLE_FIELDS))
    if unknown:
        raise DomainError(
            "N-REG.11",
            f"只能更正：{'、'.join(CORRECTABLE_FIELDS.values())}",
            f"only {', '.join(CORRECTABLE_FIELDS)} can be corrected",
            fields=unknown,
        )
    cleaned = {k: str(v).strip() for k, v in corrections.items() if str(v or "").strip()}
    if not cleaned:
        raise DomainError("N-REG.11", "须写明更正事项", "name what is to be corrected")
    check_reason(reason, "N-REG.11")
    if not is_registrant and not (evidence_ref or "").strip():
        raise DomainError(
            "N-REG.11",
            "利害关系人申请更正须附证明材料",
            "an interested party must attach evidence that the record is wrong",
        )
    return cleaned


def check_correction_basis(basis: str, ref: str) -> None:
    """N-REG.11: the registrar corrects only with the registrant's written consent or evidence of error."""
    if basis not in CORRECTION_BASES or not (ref or "").strip():
        raise DomainError(
            "N-REG.11",
            "更正登记须有登记主体书面同意或证明登记确有错误的材料",
            "a correction needs the registrant's written consent or evidence that the record is wrong",
        )


def check_reason(reason: str, requirement: str = "N-REG.13") -> None:
    if not (reason or "").strip():
        raise DomainError(requirement, "须说明理由", "a reason is required")


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 Feb → 28 Feb
        return day.replace(year=day.year + years, day=28)


def validity_end(valid_from: dt.date, agreement_end: dt.date | None = None) -> dt.date:
    """N-REG.17: 3 years from the code date (the last valid day), or the agreement's term if shorter."""
    end = add_years(valid_from, VALIDITY_YEARS) - dt.timedelta(days=1)
    if agreement_end is not None and agreement_end < end:
        return agreement_end
    return end


def check_renewal_window(expires_on: dt.date, today: dt.date) -> None:
    """N-REG.17: renewal may be applied for only in the 60 days before expiry."""
    if today > expires_on:
        raise DomainError("N-REG.17", "登记已期满，不能续期，应重新登记", "the registration has expired")
    if (expires_on - today).days >= RENEWAL_WINDOW_DAYS:
        raise DomainError(
            "N-REG.17",
            f"续期申请须在期满前60日内提出（有效期至{expires_on}）",
            f"renewal opens 60 days before expiry ({expires_on})",
        )


def check_publicity_over(ends_on: dt.date, today: dt.date, open_objections: int) -> None:
    """N-REG.15/16: the code is issued only after 10 working days of notice without a pending objection."""
    if today <= ends_on:
        raise DomainError(
            "N-REG.15", f"公示期至{ends_on}，公示期满后方可赋码", f"the notice runs until {ends_on}"
        )
    if open_objections:
        raise DomainError("N-REG.15", "有异议尚在复核，不能赋码", "an objection is under review")


def check_publicity_open(starts_on: dt.date, ends_on: dt.date, today: dt.date) -> None:
    if not starts_on <= today <= ends_on:
        raise DomainError(
            "N-REG.15",
            f"异议须在公示期内（{starts_on}至{ends_on}）提出",
            f"objections are accepted during the notice ({starts_on}–{ends_on})",
        )


def check_objection_materials(real_name: bool, reason: str, evidence_ref: str) -> None:
    if not real_name:
        raise DomainError("N-REG.15", "异议须实名提出", "objections must be made under a real name")
    if not (reason or "").strip() or not (evidence_ref or "").strip():
        raise DomainError(
            "N-REG.15", "异议须说明理由并提供证明材料", "an objection needs a reason and evidence"
        )
