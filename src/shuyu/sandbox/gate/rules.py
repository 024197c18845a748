"""Statistical disclosure control rules of the output gate (R19.2, R04.1, R23.5). Pure: no I/O.

Defaults are ACRO's: threshold 10 contributors, dominance (n=2, k=0.90), p% = 10 %, zeros disclosive.
Contributors are distinct disclosure units (persons, enterprises), never rows: twelve rows of one person
are one contributor. Every rule returns reasons; the verdict is the worst of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum

from ..schema import FieldRule


class Verdict(IntEnum):
    """Worse is larger, so the verdict of an output is the `max` of its reasons'."""

    PASS = 0
    REVIEW = 1
    BLOCK = 2

    @property
    def label(self) -> str:
        return {0: "pass", 1: "review", 2: "block"}[self.value]


@dataclass(frozen=True)
class GateSettings:
    """Per agreement (R19.2); defaults as ACRO's."""

    threshold: int = 10
    dominance_n: int = 2
    dominance_k: float = 0.90
    p_percent: float = 0.10
    zeros_disclosive: bool = True
    max_quasi_keys: int = 2  # more quasi-identifier keys in one output than this: blocked (R23.5)
    decimals: int = 2  # numeric outputs are rounded to this precision
    population_cap: int = 100_000  # larger cells: differencing is left to a reviewer (see gate.check)

    def __post_init__(self) -> None:
        if self.threshold < 2 or not (0 < self.dominance_k < 1) or self.dominance_n < 1:
            raise ValueError("threshold ≥ 2, 0 < k < 1, n ≥ 1")
        if not (0 < self.p_percent < 1):
            raise ValueError("0 < p < 1")


@dataclass(frozen=True)
class Reason:
    """Why a cell or an output was flagged; shown to reviewers (never the records behind it)."""

    requirement: str
    code: str
    verdict: Verdict
    zh: str
    en: str
    cell: int | None = None  # row index in the output
    measure: str | None = None
    facts: dict = field(default_factory=dict)  # contributors, top-k share … (numbers only)


@dataclass(frozen=True)
class MeasureStats:
    """One aggregate of one cell, as recomputed outside the operator's reach."""

    name: str
    contributors: int  # distinct units with a non-zero, non-null contribution
    magnitude: bool  # a sum/average (dominance and p% apply) rather than a count
    total: float = 0.0  # sum of absolute per-contributor contributions
    top: tuple[float, ...] = ()  # largest absolute per-contributor contributions, descending
    value_is_zero: bool = False


@dataclass(frozen=True)
class CellStats:
    index: int
    contributors: int | None  # None: only reference tables (no personal or enterprise records)
    measures: tuple[MeasureStats, ...] = ()


def worst(reasons: Iterable[Reason]) -> Verdict:
    return max((r.verdict for r in reasons), default=Verdict.PASS)


# ---- output shape --------------------------------------------------------------------------------------


def check_output_shape(
    key_rules: dict[str, FieldRule], aggregated: Sequence[str], settings: GateSettings
) -> list[Reason]:
    """Record-level output, direct identifiers and quasi-identifier combinations (R04.1, R23.5)."""
    reasons: list[Reason] = []
    if not aggregated:
        reasons.append(
            Reason(
                "R04.1",
                "record_level",
                Verdict.BLOCK,
                "输出为明细记录，不得导出",
                "record-level output cannot leave",
            )
        )
    for name, rule in key_rules.items():
        if rule >= FieldRule.SENSITIVE:
            reasons.append(
                Reason(
                    "R04.1",
                    "identifier_in_output",
                    Verdict.BLOCK,
                    f"输出包含直接标识符或敏感字段 {name}",
                    f"the output contains the direct identifier or sensitive field {name}",
                )
            )
    quasi = [n for n, r in key_rules.items() if r == FieldRule.QUASI]
    if len(quasi) > settings.max_quasi_keys:
        reasons.append(
            Reason(
                "R23.5",
                "quasi_identifier_combination",
                Verdict.BLOCK,
                f"输出组合了 {len(quasi)} 个准标识符，超过上限 {settings.max_quasi_keys}",
                f"the output combines {len(quasi)} quasi-identifiers, over the limit of {settings.max_quasi_keys}",
                facts={"quasi_keys": len(quasi)},
            )
        )
    elif len(quasi) >= 2:
        reasons.append(
            Reason(
                "R23.5",
                "quasi_identifier_combination",
                Verdict.REVIEW,
                "输出组合了多个准标识符，需人工审查",
                "the output combines several quasi-identifiers and needs review",
                facts={"quasi_keys": len(quasi)},
            )
        )
    return reasons


# ---- cells -------------------------------------------------------------------------------------------


def check_threshold(cell: CellStats, settings: GateSettings) -> list[Reason]:
    """Minimum contributors per cell and per measure (R19.2)."""
    reasons: list[Reason] = []
    if cell.contributors is not None and cell.contributors < settings.threshold:
        reasons.append(_small(cell.index, None, cell.contributors, settings))
    for m in cell.measures:
        if 0 < m.contributors < settings.threshold and (cell.contributors or 0) >= settings.threshold:
            reasons.append(_small(cell.index, m.name, m.contributors, settings))
        if m.contributors == 0 and settings.zeros_disclosive and cell.contributors is not None:
            reasons.append(
                Reason(
                    "R19.2",
                    "zero_cell",
                    Verdict.REVIEW,
                    "零值单元格可能泄露“无人具有该属性”，需人工审查",
                    "a zero cell can disclose that nobody has the attribute; it needs review",
                    cell=cell.index,
                    measure=m.name,
                )
            )
    return reasons


def _small(index: int, measure: str | None, n: int, settings: GateSettings) -> Reason:
    return Reason(
        "R19.2",
        "threshold",
        Verdict.BLOCK,
        f"单元格贡献者数 {n} 少于最低要求 {settings.threshold}",
        f"the cell has {n} contributors, fewer than the minimum of {settings.threshold}",
        cell=index,
        measure=measure,
        facts={"contributors": n, "threshold": settings.threshold},
    )


def dominance_share(m: MeasureStats, n: int) -> float:
    """Share of the cell's total held by its n largest contributors."""
    if m.total <= 0:
        return 0.0
    return float(sum(m.top[:n])) / float(m.total)


def check_dominance(cell: CellStats, settings: GateSettings) -> list[Reason]:
    """(n, k) rule: the n largest contributors may not hold more than k of a magnitude cell (R19.2)."""
    reasons: list[Reason] = []
    for m in cell.measures:
        if not m.magnitude or m.contributors == 0:
            continue
        share = dominance_share(m, settings.dominance_n)
        if share > settings.dominance_k:
            reasons.append(
                Reason(
                    "R19.2",
                    "dominance",
                    Verdict.BLOCK,
                    f"前 {settings.dominance_n} 个贡献者占该单元格 {share:.0%}，超过 {settings.dominance_k:.0%}",
                    f"the top {settings.dominance_n} contributors hold {share:.0%} of the cell, "
                    f"over {settings.dominance_k:.0%}",
                    cell=cell.index,
                    measure=m.name,
                    facts={
                        "top_share": round(share, 4),
                        "n": settings.dominance_n,
                        "k": settings.dominance_k,
                    },
                )
            )
    return reasons


def check_p_percent(cell: CellStats, settings: GateSettings) -> list[Reason]:
    """p% rule: the second-largest contributor must not estimate the largest within p % (R19.2).

    Sensitive when (total − x1 − x2) < p · x1: what the second contributor does not know of the rest is
    less than p % of the largest contribution.
    """
    reasons: list[Reason] = []
    for m in cell.measures:
        if not m.magnitude or m.contributors == 0 or not m.top:
            continue
        x1 = m.top[0]
        x2 = m.top[1] if len(m.top) > 1 else 0.0
        remainder = m.total - x1 - x2
        if x1 > 0 and remainder < settings.p_percent * x1:
            reasons.append(
                Reason(
                    "R19.2",
                    "p_percent",
                    Verdict.BLOCK,
                    f"第二大贡献者可将最大贡献估计到 {settings.p_percent:.0%} 以内",
                    f"the second-largest contributor could estimate the largest within {settings.p_percent:.0%}",
                    cell=cell.index,
                    measure=m.name,
                    facts={"remainder_share_of_top": round(remainder / x1, 4) if x1 else None},
                )
            )
    return reasons


def check_cells(cells: Sequence[CellStats], settings: GateSettings) -> list[Reason]:
    reasons: list[Reason] = []
    for cell in cells:
        reasons += check_threshold(cell, settings)
        reasons += check_dominance(cell, settings)
        reasons += check_p_percent(cell, settings)
    return reasons


def round_value(value, decimals: int):
    """Numeric outputs are released at their declared precision only."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return round(value, decimals)
    if isinstance(value, Decimal):
        return value.quantize(Decimal(1).scaleb(-decimals))
    return value


def blocked_artifact(kind: str) -> Reason:
    """Model artifacts and arbitrary files are blocked by default: they can memorize records (R19.2)."""
    return Reason(
        "R19.2",
        "artifact",
        Verdict.BLOCK,
        f"不允许导出 {kind} 类文件（模型或任意文件可能可逆还原原始数据）",
        f"{kind} files cannot leave (models and arbitrary files can be reversed into raw data)",
    )
