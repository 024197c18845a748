"""Quality of a vault version (第二十三条, R23.1): completeness, validity, uniqueness, consistency.

Computed inside the domain with DuckDB over the version's Parquet parts, in one pass per metric group.
The result is counts and ratios only; no value, sample or example row ever leaves this module.
Timeliness depends on dates, not data, and is computed by the services (`timeliness`).
"""

from dataclasses import dataclass

import duckdb

from .rules import COMPARISONS, ID_WEIGHTS
from .vault import DEFAULT_MEMORY_LIMIT, _lit, _q

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = {"completeness": 0.3, "validity": 0.3, "uniqueness": 0.15, "timeliness": 0.1, "consistency": 0.15}
FREQUENCY_DAYS = {
    "realtime": 1,
    "daily": 1,
    "weekly": 7,
    "monthly": 31,
    "quarterly": 92,
    "yearly": 366,
}


@dataclass(frozen=True)
class FieldInfo:
    name: str
    type: str
    format: str = ""
    code_list: tuple[str, ...] = ()
    is_key: bool = False


def cn_id_sql(v: str) -> str:
    """GB 11643 validity as a DuckDB expression (the same rule as rules.is_valid_cn_id)."""
    total = " + ".join(f"(ascii(substr({v}, {i + 1}, 1)) - 48) * {w}" for i, w in enumerate(ID_WEIGHTS))
    return (
        f"(regexp_full_match({v}, '[0-9]{{17}}[0-9Xx]') AND "
        f"try_strptime(substr({v}, 7, 8), '%Y%m%d') IS NOT NULL AND "
        f"substr('10X98765432', (({total}) % 11)::INTEGER + 1, 1) = upper(substr({v}, 18, 1)))"
    )


def uscc_sql(v: str) -> str:
    """GB 32100 validity as a DuckDB expression (the same rule as orgs.rules.check_uscc)."""
    cs = _lit(USCC_CHARSET)
    total = " + ".join(f"(strpos({cs}, substr({v}, {i + 1}, 1)) - 1) * {pow(3, i, 31)}" for i in range(17))
    return (
        f"(regexp_full_match({v}, '[0-9A-HJ-NPQRTUWXY]{{18}}') AND "
        f"substr({cs}, ((31 - ({total}) % 31) % 31)::INTEGER + 1, 1) = substr({v}, 18, 1))"
    )


def _valid_expr(f: FieldInfo) -> str | None:
    v = f"CAST({_q(f.name)} AS VARCHAR)"
    if f.format == "cn_id":
        return cn_id_sql(v)
    if f.format == "uscc":
        return uscc_sql(v)
    if f.format == "mobile":
        return f"regexp_full_match({v}, '(\\+?86)?1[3-9][0-9]{{9}}')"
    if f.format == "region":
        return f"regexp_full_match({v}, '[1-8][0-9]{{5}}')"
    if f.format == "code_list" and f.code_list:
        return f"{v} IN ({', '.join(_lit(c) for c in f.code_list)})"
    return None


def measure(
    parts: list[str],
    fields: list[FieldInfo],
    rules: list[tuple[str, str, str]],
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> dict:
    """Counts for the version made of `parts` (absolute paths)."""
    src = f"read_parquet([{', '.join(_lit(p) for p in parts)}])"
    con = duckdb.connect(config={"memory_limit": memory_limit})
    try:
        exprs = ["count(*)"]
        for f in fields:
            exprs.append(f"count(*) FILTER (WHERE {_q(f.name)} IS NULL)")
            valid = _valid_expr(f)
            exprs.append(
                f"count(*) FILTER (WHERE {_q(f.name)} IS NOT NULL AND NOT {valid})" if valid else "0"
            )
        for left, op, right in rules:
            assert op in COMPARISONS  # checked when the rule was added
            exprs.append(
                f"count(*) FILTER (WHERE {_q(left)} IS NOT NULL AND {_q(right)} IS NOT NULL "
                f"AND NOT ({_q(left)} {op} {_q(right)}))"
            )
        row = con.execute(f"SELECT {', '.join(exprs)} FROM {src}").fetchone()
        rows = row[0]
        per_field = {}
        for i, f in enumerate(fields):
            nulls, invalid = row[1 + 2 * i], row[2 + 2 * i]
            per_field[f.name] = {
                "nulls": nulls,
                "invalid": invalid,
                "checked": _valid_expr(f) is not None,
            }
        violations = list(row[1 + 2 * len(fields) :])
        keys = [f.name for f in fields if f.is_key]
        duplicates = 0
        if keys:
            cols = ", ".join(_q(k) for k in keys)
            distinct = con.execute(f"SELECT count(*) FROM (SELECT DISTINCT {cols} FROM {src})").fetchone()[0]
            duplicates = rows - distinct
    finally:
        con.close()
    return {
        "rows": rows,
        "fields": per_field,
        "key_fields": keys,
        "duplicate_keys": duplicates,
        "rules": [
            {"left": left, "op": op, "right": right, "violations": n}
            for (left, op, right), n in zip(rules, violations, strict=True)
        ],
    }


def ratios(counts: dict, timeliness: float) -> dict[str, float]:
    """The five dimensions in [0, 1] and their weighted score."""
    rows = counts["rows"] or 1
    fields = counts["fields"]
    cells = rows * max(len(fields), 1)
    completeness = 1 - sum(f["nulls"] for f in fields.values()) / cells
    checked = [(name, f) for name, f in fields.items() if f["checked"]]
    if checked:
        denom = sum(rows - f["nulls"] for _, f in checked) or 1
        validity = 1 - sum(f["invalid"] for _, f in checked) / denom
    else:
        validity = 1.0
    uniqueness = 1 - counts["duplicate_keys"] / rows if counts["key_fields"] else 1.0
    consistency = (
        1 - sum(r["violations"] for r in counts["rules"]) / (rows * len(counts["rules"]))
        if counts["rules"]
        else 1.0
    )
    dims = {
        "completeness": completeness,
        "validity": validity,
        "uniqueness": uniqueness,
        "timeliness": timeliness,
        "consistency": consistency,
    }
    dims = {k: round(max(0.0, min(1.0, v)), 6) for k, v in dims.items()}
    dims["score"] = round(sum(WEIGHTS[k] * v for k, v in dims.items()), 6)
    return dims


def timeliness(frequency: str, age_days: float) -> float:
    """1 while the data is younger than its update period; then decays as period / age."""
    period = FREQUENCY_DAYS.get(frequency)
    if period is None or age_days <= period:
        return 1.0
    return period / age_days
