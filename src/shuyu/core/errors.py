"""Errors a user can cause. Each names the requirement it enforces, in Chinese and English."""

import re

_CN_DIGITS = "零一二三四五六七八九"


def _cn_number(n: int) -> str:
    """1..99 in Chinese numerals as the rules write article numbers (第十六条, 第二十二条)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return head + "十" + (_CN_DIGITS[ones] if ones else "")


def article_of(requirement: str) -> str:
    """`R16.2` → `第十六条`; a national id such as `N-REG.13` names its source document instead."""
    m = re.fullmatch(r"R(\d{1,2})\.\d+", requirement)
    if m:
        return f"第{_cn_number(int(m.group(1)))}条"
    m = re.fullmatch(r"N-([A-Z0-9]+)\.\d+", requirement)
    if m:
        return {
            "REG": "公共数据资源登记管理暂行办法",
            "SPEC": "公共数据资源授权运营实施规范（试行）",
            "PRICE": "公共数据资源授权运营价格形成机制",
            "DISC": "公共数据资源授权运营信息披露",
            "CLS": "GB/T 43697-2024",
            "CAL": "国务院办公厅节假日安排",
            "USCC": "GB 32100-2015",
            "ID": "GB 11643-1999",
            "GEO": "GB/T 2260",
            "OPN": "关于加快公共数据资源开发利用的意见",
        }.get(m.group(1), requirement)
    return requirement


class DomainError(Exception):
    """A refusal under the rules; `requirement` is the REQUIREMENTS.md / NATIONAL.md id it enforces."""

    status = 422

    def __init__(self, requirement: str, zh: str, en: str, **context: object) -> None:
        super().__init__(f"{requirement}: {zh} / {en}")
        self.requirement, self.zh, self.en, self.context = requirement, zh, en, context

    @property
    def article(self) -> str:
        return article_of(self.requirement)

    def as_dict(self) -> dict:
        return {
            "code": self.requirement,
            "article": self.article,
            "message_zh": self.zh,
            "message_en": self.en,
        }


class PermissionDenied(DomainError):
    """The actor's role, organization or region does not allow the act (R07.1, R22.1)."""

    status = 403

    def __init__(
        self, requirement: str = "R22.1", zh: str = "无权执行此操作", en: str = "not permitted", **ctx
    ):
        super().__init__(requirement, zh, en, **ctx)


class NotFound(DomainError):
    """Missing and not-yours look the same, so ids cannot be probed."""

    status = 404

    def __init__(self, kind: str = "object", **ctx) -> None:
        super().__init__("R22.1", "对象不存在或无权访问", f"{kind} not found", **ctx)


class Unauthenticated(DomainError):
    """No valid session or token (expired, revoked, unknown)."""

    status = 401

    def __init__(self, zh: str = "未登录或令牌无效", en: str = "not authenticated or token invalid") -> None:
        super().__init__("R22.1", zh, en)
