"""Parsing the authorization forms into service inputs, and laying out plan and agreement items for display.

Parsing only turns text into values (a date, a whole number); whether the values satisfy the articles is
for the services and rules to decide, so a half-filled plan still saves as a draft and the refusal at
submission lists every missing item of 第十一条 (R11.1).
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.http import QueryDict

from shuyu.authorization import rules, selectors
from shuyu.authorization.services._common import AgreementDraft, PlanDraft
from shuyu.core import clock
from shuyu.core.errors import DomainError

PRODUCT_ROWS = 6  # rows offered on the plan form for 第十一条（七）

PLAN_TEXT = [
    # (field, label, hint) in the order of 第十一条; the form shows them under their item number.
    ("necessity", "必要性论证", "为什么需要授权运营"),
    ("update_frequency", "数据更新频率", "如：按日、按月"),
    ("data_quality", "数据质量情况", "完整性、准确性、及时性"),
    ("construction", "建设内容", ""),
    ("technical_support", "技术保障", ""),
    ("schedule", "实施进度", ""),
    ("evaluation_standard", "评价标准", ""),
    ("exit_mechanism", "退出机制", ""),
    ("asset_management", "资产管理", ""),
    ("accounting_mechanism", "经营成本和收入核算机制", ""),
    ("revenue_distribution", "收益分配机制", "谁贡献、谁受益"),
    ("data_security", "数据安全措施", ""),
    ("personal_info_protection", "个人信息保护措施", ""),
    ("emergency_response", "应急处置措施", ""),
    ("rights_obligations", "实施机构、运营机构及相关参与方权利义务", ""),
    ("supervision_evaluation", "监督管理及考核评价要求", ""),
    ("other_matters", "其他事项", ""),
]
PLAN_TEXT_LABELS = dict((f, label) for f, label, _hint in PLAN_TEXT)


def parse_date(value: str | None, requirement: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError(
            requirement, f"日期格式应为 YYYY-MM-DD：{value}", f"dates are written YYYY-MM-DD: {value}"
        ) from None


def parse_term_years(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise DomainError(
            "R16.2", "授权运营期限应为整数年（1至5年）", "the term is a whole number of years (1 to 5)"
        )
    return int(value)


def parse_score(value: str | None) -> Decimal:
    try:
        return Decimal((value or "").strip())
    except InvalidOperation:
        raise DomainError("R14.1", "评分须为0至100之间的数字", "a score is a number from 0 to 100") from None


def parse_products(post) -> tuple[rules.ProductItem, ...]:
    products = []
    for i in range(PRODUCT_ROWS):
        name = post.get(f"product-{i}-name", "").strip()
        description = post.get(f"product-{i}-description", "").strip()
        if not name and not description:
            continue
        products.append(
            rules.ProductItem(
                name=name,
                product_class=post.get(f"product-{i}-class", ""),
                form=post.get(f"product-{i}-form", ""),
                description=description,
            )
        )
    return tuple(products)


def parse_plan_draft(post) -> PlanDraft:
    """The plan form → `PlanDraft` (the 12 items of 第十一条 and the 5 parts of 第十二条)."""
    text = {f: post.get(f, "").strip() for f, _label, _hint in PLAN_TEXT}
    return PlanDraft(
        name=post.get("name", "").strip(),
        feasibility={k: post.get(f"feasibility-{k}", "").strip() for k in rules.FEASIBILITY_KEYS},
        operator_conditions={
            k: post.get(f"condition-{k}", "").strip() for k in rules.OPERATOR_CONDITION_KEYS
        },
        mode=post.get("mode", rules.Mode.WHOLE),
        scenario=post.get("scenario", "").strip(),
        resource_ids=tuple(int(i) for i in post.getlist("resource_ids") if i.isdigit()),
        term_years=parse_term_years(post.get("term_years")),
        products=parse_products(post),
        priority_fields=tuple(post.getlist("priority_fields")),
        **text,
    )


def parse_approval(post) -> dict:
    """The government's 三重一大 decision form (R13.1): meeting, decision reference, date, outcome."""
    decision = {
        "approve": post.get("decision", "approve") == "approve",
        "meeting": post.get("meeting", "").strip(),
        "decision_ref": post.get("decision_ref", "").strip(),
        "meeting_on": parse_date(post.get("meeting_on"), "R13.1"),
    }
    if decision["meeting_on"] is None:
        raise DomainError("R13.1", "须填写审议会议日期", "the meeting date is required")
    if not decision["approve"]:
        decision["reason"] = post.get("reason", "").strip()
    return decision


AGREEMENT_TEXT = [
    # (field, label) for items (四)–(十三) of 第十六条
    ("technical_platform", "（四）技术支撑平台"),
    ("asset_ownership", "（五）资产权属"),
    ("disclosure_duties", "（六）信息披露要求"),
    ("accounting_revenue", "（七）经营成本和收入核算要求、收益分配机制"),
    ("security_measures", "（八）数据安全、个人信息保护要求和风险监测、应急处置措施"),
    ("evaluation_renewal_exit", "（九）运营成效评价，续约或退出机制"),
    ("liability", "（十）违约责任"),
    ("dispute_resolution", "（十一）争议解决方式"),
    ("change_termination", "（十二）协议变更、终止条件"),
    ("other_matters", "（十三）需要明确的其他事项"),
]
PRODUCT_REVIEW_FIELDS = ("technical_standard", "security_review", "business_review")


def parse_agreement_draft(post, version) -> AgreementDraft:
    """The agreement form → `AgreementDraft`. Mode and scenario are the plan's (R16.3), never typed."""
    products = []
    for i in range(PRODUCT_ROWS):
        name = post.get(f"product-{i}-name", "").strip()
        if not name:
            continue
        products.append(
            rules.ProductItem(
                name=name,
                product_class=post.get(f"product-{i}-class", ""),
                form=post.get(f"product-{i}-form", ""),
                description=post.get(f"product-{i}-description", "").strip(),
                **{f: post.get(f"product-{i}-{f}", "").strip() for f in PRODUCT_REVIEW_FIELDS},
            )
        )
    return AgreementDraft(
        title=post.get("title", "").strip(),
        resource_ids=tuple(int(i) for i in post.getlist("resource_ids") if i.isdigit()),
        starts_on=parse_date(post.get("starts_on"), "R16.2"),
        ends_on=parse_date(post.get("ends_on"), "R16.2"),
        products=tuple(products),
        no_redevelopment_clause=post.get("no_redevelopment_clause") == "on",
        mode=version.mode,
        scenario=version.scenario,
        **{f: post.get(f, "").strip() for f, _label in AGREEMENT_TEXT},
    )


def agreement_form_initial(selection) -> QueryDict:
    """Start the agreement from its plan: all its resources, its products, its term from today."""
    version = selection.plan_version
    form = QueryDict(mutable=True)
    form["title"] = version.name.replace("（", "协议（", 1) if "（" in version.name else f"{version.name}协议"
    today = clock.today()
    form["starts_on"] = today.isoformat()
    if version.term_years:
        form["ends_on"] = (rules.add_years(today, version.term_years) - dt.timedelta(days=1)).isoformat()
    for i, p in enumerate((version.products or [])[:PRODUCT_ROWS]):
        for key, value in p.items():
            form[f"product-{i}-{'class' if key == 'product_class' else key}"] = value or ""
    form.setlist("resource_ids", [str(r) for r in version.resource_ids])
    return form


def agreement_form_context(selection, post) -> dict:
    version = selection.plan_version
    rows = []
    for i in range(PRODUCT_ROWS):
        row = {"i": i, "cls": post.get(f"product-{i}-class", ""), "form": post.get(f"product-{i}-form", "")}
        for f in ("name", "description", *PRODUCT_REVIEW_FIELDS):
            row[f] = post.get(f"product-{i}-{f}", "")
        rows.append(row)
    return {
        "selection": selection,
        "version": version,
        "form": post,
        "text_fields": [(f, label, post.get(f, "")) for f, label in AGREEMENT_TEXT],
        "resources": [pr.resource for pr in version.plan_resources.select_related("resource__provider")],
        "chosen_resources": set(post.getlist("resource_ids")),
        "product_rows": rows,
        "product_classes": [(c.value, rules.PRODUCT_CLASS_LABELS[c]) for c in rules.ProductClass],
        "product_forms": [(f.value, rules.PRODUCT_FORM_LABELS[f]) for f in rules.ProductForm],
        "mode_label": rules.MODE_LABELS.get(rules.Mode(version.mode), version.mode),
        "term_limit": version.term_years,
    }


def version_as_form(version) -> QueryDict:
    """A plan version's content as the form's fields, to edit a draft or returned version."""
    form = QueryDict(mutable=True)
    form["name"] = version.name
    form["mode"] = version.mode
    form["scenario"] = version.scenario
    form["term_years"] = "" if version.term_years is None else str(version.term_years)
    for f, _label, _hint in PLAN_TEXT:
        form[f] = getattr(version, f)
    for k in rules.FEASIBILITY_KEYS:
        form[f"feasibility-{k}"] = (version.feasibility or {}).get(k, "")
    for k in rules.OPERATOR_CONDITION_KEYS:
        form[f"condition-{k}"] = (version.operator_conditions or {}).get(k, "")
    for i, p in enumerate((version.products or [])[:PRODUCT_ROWS]):
        form[f"product-{i}-name"] = p.get("name", "")
        form[f"product-{i}-class"] = p.get("product_class", "")
        form[f"product-{i}-form"] = p.get("form", "")
        form[f"product-{i}-description"] = p.get("description", "")
    form.setlist("resource_ids", [str(r) for r in version.resource_ids])
    form.setlist("priority_fields", list(version.priority_fields or []))
    return form


def resource_choices(actor) -> list:
    """Resources the plan form offers (第十一条（五）); the services refuse what may not enter (R05.*)."""
    from shuyu.catalog import selectors as catalog

    return list(catalog.visible_to(actor).order_by("code"))


def plan_form_context(actor, post) -> dict:
    return {
        "form": post,
        "text_fields": PLAN_TEXT,
        "feasibility": [
            (k, rules.FEASIBILITY_LABELS[k], post.get(f"feasibility-{k}", "")) for k in rules.FEASIBILITY_KEYS
        ],
        "conditions": [
            (k, rules.OPERATOR_CONDITION_LABELS[k], post.get(f"condition-{k}", ""))
            for k in rules.OPERATOR_CONDITION_KEYS
        ],
        "modes": [(m.value, rules.MODE_LABELS[m]) for m in rules.Mode],
        "priority_choices": list(rules.PRIORITY_FIELD_LABELS.items()),
        "chosen_priorities": set(post.getlist("priority_fields")) if hasattr(post, "getlist") else set(),
        "product_classes": [(c.value, rules.PRODUCT_CLASS_LABELS[c]) for c in rules.ProductClass],
        "product_forms": [(f.value, rules.PRODUCT_FORM_LABELS[f]) for f in rules.ProductForm],
        "product_rows": [
            {
                "i": i,
                "name": post.get(f"product-{i}-name", ""),
                "cls": post.get(f"product-{i}-class", ""),
                "form": post.get(f"product-{i}-form", ""),
                "description": post.get(f"product-{i}-description", ""),
            }
            for i in range(PRODUCT_ROWS)
        ],
        "resources": resource_choices(actor),
        "chosen_resources": set(post.getlist("resource_ids")) if hasattr(post, "getlist") else set(),
    }


def _product_line(p: dict) -> str:
    cls = rules.PRODUCT_CLASS_LABELS.get(p.get("product_class"), p.get("product_class", ""))
    form = rules.PRODUCT_FORM_LABELS.get(p.get("form"), p.get("form", ""))
    line = f"{p.get('name', '')}（{cls}；{form}）"
    return line + (f"：{p['description']}" if p.get("description") else "")


def plan_items(version) -> list[dict]:
    """The 12 items of 第十一条 for display, each with its parts and whether it is complete (R11.1)."""
    facts = selectors.facts_of_version(version)
    missing = {m.split("）")[0] + "）" for m in rules.missing_plan_items(facts)}
    resources = [pr.resource for pr in version.plan_resources.select_related("resource__provider")]
    items = []
    for number, label, fields in rules.PLAN_ITEMS:
        parts: list[tuple[str, str]] = []
        for f in fields:
            if f == "name":
                parts.append(("", version.name))
            elif f == "feasibility":
                for k in rules.FEASIBILITY_KEYS:
                    parts.append(
                        (f"可行性·{rules.FEASIBILITY_LABELS[k]}", (version.feasibility or {}).get(k, ""))
                    )
            elif f == "operator_conditions":
                for k in rules.OPERATOR_CONDITION_KEYS:
                    parts.append(
                        (rules.OPERATOR_CONDITION_LABELS[k], (version.operator_conditions or {}).get(k, ""))
                    )
            elif f == "mode":
                mode = rules.MODE_LABELS.get(rules.Mode(version.mode), version.mode) if version.mode else ""
                parts.append(("", mode + (f"（场景：{version.scenario}）" if version.scenario else "")))
                priorities = "、".join(rules.priority_field_labels(version.priority_fields or []))
                parts.append(("重点领域（第五条）", priorities or "—"))  # R05.4
            elif f == "resource_ids":
                parts.append(
                    ("数据资源", "\n".join(f"{r.name}（{r.code}，{r.provider.name}）" for r in resources))
                )
            elif f == "term_years":
                parts.append(("期限", f"{version.term_years}年" if version.term_years else ""))
            elif f == "products":
                parts.append(("", "\n".join(_product_line(p) for p in (version.products or []))))
            else:
                parts.append((PLAN_TEXT_LABELS.get(f, f), getattr(version, f)))
        items.append(
            {"number": number, "label": label, "parts": parts, "complete": f"（{number}）" not in missing}
        )
    return items


def agreement_items(agreement) -> list[dict]:
    """The 13 items of 第十六条 for display (R16.1)."""
    links = list(agreement.agreement_resources.select_related("resource__provider"))
    items = []
    for number, label, fields in rules.AGREEMENT_ITEMS:
        if fields == ("resource_ids",):
            value = "\n".join(
                f"{ar.resource.name}（{ar.resource.code}，{ar.resource.provider.name}）"
                + (
                    "：全部已编目字段"
                    if ar.granted_fields is None
                    else f"：授权字段 {'、'.join(ar.granted_fields)}"  # R19.1
                )
                for ar in links
            )
        elif fields == ("starts_on", "ends_on"):
            value = f"{agreement.starts_on:%Y-%m-%d} 至 {agreement.ends_on:%Y-%m-%d}"
        elif fields == ("products",):
            lines = []
            for p in agreement.products or []:
                line = _product_line(p)
                extra = "；".join(
                    f"{k}：{p[key]}"
                    for k, key in (
                        ("技术标准", "technical_standard"),
                        ("安全审核", "security_review"),
                        ("业务审核", "business_review"),
                    )
                    if p.get(key)
                )
                lines.append(line + (f"\n　{extra}" if extra else ""))
            value = "\n".join(lines)
        else:
            value = "\n".join(str(getattr(agreement, f)) for f in fields)
        items.append({"number": number, "label": label, "value": value})
    return items
