"""Pure checks for organizations: GB 32100 统一社会信用代码 (N-USCC.1–3), and sign-in throttling (SEC-AUTH-2)."""

import datetime as dt

from shuyu.core.errors import DomainError, Unauthenticated

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28


def uscc_check_char(prefix17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(prefix17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def check_uscc(code: str) -> str:
    """Return the normalized code or raise naming GB 32100 (N-USCC.2)."""
    code = (code or "").strip().upper()
    if len(code) != 18 or any(c not in USCC_CHARSET for c in code):
        raise DomainError(
            "N-USCC.1",
            "统一社会信用代码应为18位，且只含数字和除I、O、Z、S、V外的大写字母",
            "a unified social credit code has 18 characters from 0-9 and A-Y without I, O, Z, S, V",
            value=code,
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise DomainError(
            "N-USCC.2",
            "统一社会信用代码校验位错误",
            "unified social credit code check character is wrong",
            value=code,
        )
    return code


def check_credit_record_dates(recorded_on, expires_on) -> None:
    """A 失信 record cannot end before it starts (R14.2)."""
    if expires_on is not None and expires_on < recorded_on:
        raise DomainError(
            "R14.2",
            "失信记录的有效期截止日期不得早于认定日期",
            "a dishonesty record cannot expire before it was recorded",
        )


def credit_record_in_force(recorded_on, expires_on, on) -> bool:
    """In force from the day it was recorded through its expiry day (inclusive); open-ended if no expiry."""
    return recorded_on <= on and (expires_on is None or on <= expires_on)


# Positions 1–2 (登记管理部门码 + 机构类别码). NATIONAL.md §8 marks these hints [U]: warnings only.
USCC_KIND_PAIRS = {
    "11": "机关",
    "12": "事业单位",
    "13": "中央编办直接管理机构编制的群众团体",
    "19": "其他机构编制",
    "21": "外国常驻新闻机构",
    "29": "其他外交",
    "31": "司法行政：律师执业机构",
    "32": "司法行政：公证处",
    "33": "司法行政：基层法律服务所",
    "34": "司法行政：司法鉴定机构",
    "35": "司法行政：仲裁委员会",
    "39": "其他司法行政",
    "41": "外国旅游部门常驻代表机构",
    "49": "其他文化",
    "51": "社会团体",
    "52": "民办非企业单位",
    "53": "基金会",
    "59": "其他民政",
    "61": "外国旅游部门常驻代表机构",
    "62": "港澳台地区旅游部门常驻内地（大陆）代表机构",
    "69": "其他旅游",
    "71": "宗教活动场所",
    "72": "宗教院校",
    "79": "其他宗教",
    "81": "基层工会",
    "89": "其他工会",
    "91": "企业",
    "92": "个体工商户",
    "93": "农民专业合作社",
    "A1": "军队事业单位",
    "A9": "其他中央军委改革和编制办公室批准机构",
    "N1": "农村集体经济组织",
    "N2": "农民专业合作社（农业）",
    "N3": "农村资金互助社",
    "N9": "其他农业",
    "Y1": "其他",
}
INDIVIDUAL_BUSINESS = "92"  # 个体工商户: not a 法人组织 (N-USCC.3)


def check_uscc_for_kind(code: str, kind: str) -> None:
    """An operator (运营机构) must be a legal person, so a 个体工商户 code is refused (N-USCC.3)."""
    if kind == "operator" and code[:2] == INDIVIDUAL_BUSINESS:
        raise DomainError(
            "N-USCC.3",
            "运营机构应当是法人组织，统一社会信用代码第1–2位为“92”（个体工商户）的主体不能登记为运营机构",
            "an operator must be a legal person; a code starting with 92 (individual business) is refused",
            value=code,
        )


def uscc_warnings(code: str, known_region_codes: frozenset[str] | set[str]) -> list[str]:
    """Unverified hints (NATIONAL.md §8 [U]) that never refuse: unknown kind pair, unlisted region code."""
    warnings = []
    if code[:2] not in USCC_KIND_PAIRS:
        warnings.append(f"第1–2位“{code[:2]}”不是已知的登记管理部门和机构类别组合 / unknown kind pair")
    region = code[2:8]
    if not region.isdigit() or (region[:2] == "51" and region not in known_region_codes):
        # Offices merge and codes change: other provinces are not listed, so only Sichuan codes are checked.
        warnings.append(f"第3–8位“{region}”不在四川省行政区划表中 / region code not in the Sichuan list")
    return warnings


# --- sign-in failures (等保 L3-CES1-02, SEC-AUTH-2) ----------------------------------------------------


def lock_after_failure(
    *, failures: int, now: dt.datetime, max_failures: int, lock_minutes: int
) -> dt.datetime | None:
    """`failures` consecutive failures so far (this one included): locked until when, or None."""
    if failures >= max_failures:
        return now + dt.timedelta(minutes=lock_minutes)
    return None


def check_not_locked(*, locked_until: dt.datetime | None, now: dt.datetime) -> None:
    if locked_until is not None and now < locked_until:
        raise Unauthenticated(
            "登录失败次数过多，该账户已暂时锁定，请稍后再试",
            "too many failed sign-ins: the account is locked for a while, try again later",
        )
