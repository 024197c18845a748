"""Pure facts about GB/T 2260 codes (N-GEO.2): level and containment follow from the code's form."""

import re
from enum import StrEnum


class RegionLevel(StrEnum):
    PROVINCE = "province"  # 省
    CITY = "city"  # 市（州）
    COUNTY = "county"  # 县（市、区）


def region_level(code: str) -> RegionLevel:
    if not re.fullmatch(r"\d{6}", code or ""):
        raise ValueError(f"not a GB/T 2260 code: {code!r}")
    if code[2:] == "0000":
        return RegionLevel.PROVINCE
    if code[4:] == "00":
        return RegionLevel.CITY
    return RegionLevel.COUNTY


def parent_code(code: str) -> str | None:
    level = region_level(code)
    if level is RegionLevel.COUNTY:
        return code[:4] + "00"
    if level is RegionLevel.CITY:
        return code[:2] + "0000"
    return None


def region_covers(outer: str, inner: str) -> bool:
    """True when `inner` is `outer` or lies within it (a province covers its cities and counties)."""
    level = region_level(outer)
    if level is RegionLevel.PROVINCE:
        return inner[:2] == outer[:2]
    if level is RegionLevel.CITY:
        return inner[:4] == outer[:4]
    return inner == outer
