"""Suggest a field's sensitivity, format and type from its name and a sample of its values.

A suggestion is never a decision: a person of the data source unit confirms it
(`services.confirm_field_sensitivity`). The suggestion says *why* (which rule matched, how many sampled
values passed a check) and never repeats a value. Pure: no ORM, clock or I/O.
"""

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .rules import is_mobile, is_valid_cn_id, is_valid_uscc

# Column names (English or Chinese, lowercase) that name an identifier or a sensitive attribute.
_NAME_RULES: list[tuple[re.Pattern, str, str]] = [
    (re.compile(r"(身份证|公民身份号码|证件号|id_?no|id_?card|idcard|sfzh)"), "direct", "cn_id"),
    (re.compile(r"(统一社会信用代码|信用代码|uscc|credit_?code|tyshxydm)"), "direct", "uscc"),
    (re.compile(r"(手机|电话|联系方式|mobile|phone|tel)"), "direct", "mobile"),
    (re.compile(r"(姓名|name_?person|person_?name|full_?name|^xm$|法定代表人|legal_?rep)"), "direct", ""),
    (re.compile(r"(银行账|账号|卡号|account|bank)"), "sensitive", ""),
    (re.compile(r"(诊断|疾病|病|health|diagnos|icd|药|drug|医疗费|medical)"), "sensitive", ""),
    (re.compile(r"(宗教|religio|生物|biometric|指纹|行踪|轨迹|track)"), "sensitive", ""),
    (re.compile(r"(出生|生日|birth|性别|gender|sex|年龄|age)"), "quasi", ""),
    (
        re.compile(r"(地址|住址|address|addr|街道|社区|小区|district|区县|乡镇|邮编|postcode|zip)"),
        "quasi",
        "",
    ),
    (re.compile(r"(民族|ethnic|职业|occupation|学历|education)"), "quasi", ""),
]

_VALUE_CHECKS = (("cn_id", is_valid_cn_id), ("uscc", is_valid_uscc), ("mobile", is_mobile))
_CHECK_LABELS = {"cn_id": "身份证号码校验位", "uscc": "统一社会信用代码校验位", "mobile": "手机号码格式"}
SHARE_FOR_FORMAT = 0.8  # share of non-empty sampled values that must pass a check


@dataclass(frozen=True)
class Suggestion:
    sensitivity: str  # direct | quasi | sensitive | none
    format: str  # "" | cn_id | uscc | mobile
    type: str  # string | integer | decimal | date | boolean
    is_disclosure_unit: bool
    reason_zh: str
    reason_en: str
    sampled: int = 0  # non-empty sampled values the detector read
    passed: int = 0  # of which passed the format's check (0 when the name decided)

    @property
    def share(self) -> float:
        return round(self.passed / self.sampled, 4) if self.sampled else 0.0


def _format_from_values(values: list[str]) -> tuple[str, int]:
    if not values:
        return "", 0
    for fmt, check in _VALUE_CHECKS:
        ok = sum(1 for v in values if check(v))
        if ok >= SHARE_FOR_FORMAT * len(values):
            return fmt, ok
    return "", 0


def _type_from_values(values: list[str]) -> str:
    if not values:
        return "string"
    # Identifier-like strings of digits (leading zeros, 18 digits) stay strings.
    if all(re.fullmatch(r"-?(0|[1-9]\d{0,15})", v) for v in values):
        return "integer"
    if all(re.fullmatch(r"-?\d+\.\d+|-?\d+", v) for v in values) and any("." in v for v in values):
        return "decimal"
    try:
        for v in values:
            dt.date.fromisoformat(v)
        return "date"
    except ValueError:
        pass
    if all(v.lower() in ("true", "false") for v in values):
        return "boolean"
    return "string"


def suggest(name: str, label: str, values: Iterable[str | None]) -> Suggestion:
    """Suggest from the column's name/label and a sample of its values (values are read, never returned)."""
    sample = [str(v).strip() for v in values if v is not None and str(v).strip() != ""]
    fmt, passed = _format_from_values(sample)
    if fmt:
        pct = f"{math.floor(1000 * passed / len(sample)) / 10:g}"  # floored: 99.96% is not "100%"
        return Suggestion(
            sensitivity="direct",
            format=fmt,
            type="string",
            is_disclosure_unit=fmt in ("cn_id", "uscc"),
            reason_zh=f"抽样{len(sample)}个值中{passed}个（{pct}%）通过{_CHECK_LABELS[fmt]}检验",
            reason_en=f"{passed} of {len(sample)} sampled values ({pct}%) pass the {fmt} check",
            sampled=len(sample),
            passed=passed,
        )
    haystack = f"{name} {label}".lower()
    for pattern, sensitivity, name_fmt in _NAME_RULES:
        if pattern.search(haystack):
            return Suggestion(
                sensitivity=sensitivity,
                format=name_fmt,
                type="string" if sensitivity == "direct" else _type_from_values(sample),
                is_disclosure_unit=name_fmt in ("cn_id", "uscc"),
                reason_zh=f"字段名称符合规则「{pattern.pattern}」",
                reason_en=f"the column name matches {pattern.pattern!r}",
                sampled=len(sample),
            )
    return Suggestion(
        sensitivity="none",
        format="",
        type=_type_from_values(sample),
        is_disclosure_unit=False,
        reason_zh="未发现标识符或敏感信息特征",
        reason_en="no identifier or sensitive pattern found",
        sampled=len(sample),
    )


def propose_fields(header: list[str], columns: list[list[str]]) -> list[tuple[str, Suggestion]]:
    """One suggestion per column; ASCII identifiers are kept as field names, others become col_N."""
    out = []
    for i, (name, values) in enumerate(zip(header, columns, strict=False), start=1):
        field_name = name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", name) else f"col_{i}"
        label = "" if field_name == name else name
        out.append((field_name, suggest(field_name, label, values)))
    return out
