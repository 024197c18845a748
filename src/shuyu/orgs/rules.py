"""Pure checks for organizations: GB 32100 统一社会信用代码 (N-USCC.1–3)."""

from shuyu.core.errors import DomainError

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
