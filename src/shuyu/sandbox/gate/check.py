"""The output gate: run the statistics rewrite, apply the rules, return pass / review / block (R19.2).

`gate_sql` runs a checked query's statistics rewrite in the jail (one pass computes the operator's cells
and each cell's contributors, top contributions and population) and `evaluate` applies the rules to
that result outside the jail. `gate_declared_aggregate` does the same for a Python job's declared
aggregate: the declaration is turned into SQL, checked by the same policy, recomputed on the same inputs,
and the job's own numbers must match the recomputation — nothing written inside the jail is trusted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .. import engine, jail
from ..schema import TableSpec
from ..sqlpolicy import CheckedQuery, check_sql
from .differencing import Population, ReleaseHistory, check_differencing, check_tracker
from .rewrite import StatsQuery, build_stats_query
from .rules import (
    CellStats,
    GateSettings,
    MeasureStats,
    Reason,
    Verdict,
    check_cells,
    check_output_shape,
    round_value,
    worst,
)


@dataclass
class GateOutcome:
    """The verdict with its reasons, and the candidate output (operator's columns only, rounded).

    `rows` leave the domain only once the verdict is pass, or a review released them; `populations`
    are recorded in the release history at that moment, not before.
    """

    verdict: Verdict
    reasons: list[Reason]
    columns: list[str]
    rows: list[list]
    populations: list[Population] = field(default_factory=list)


def gate_sql(
    checked: CheckedQuery,
    *,
    inputs: Mapping[str, Path],
    limits: jail.Limits,
    settings: GateSettings,
    history: ReleaseHistory,
    salt: str,
    resource_of: Mapping[str, str],
    label: str,
    workroot: Path | None = None,
) -> GateOutcome:
    stats = build_stats_query(
        checked, salt=salt, top_n=max(2, settings.dominance_n), population_cap=settings.population_cap
    )
    run = CheckedQuery(sql=stats.sql, tree=checked.tree, tables=checked.tables, outputs=[])
    result = engine.run_sql(run, inputs=inputs, limits=limits, workroot=workroot)
    return evaluate(
        stats,
        result,
        checked=checked,
        settings=settings,
        history=history,
        resource_of=resource_of,
        label=label,
    )


def _number(value) -> float:
    if value is None:
        return 0.0
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return 0.0


def _typed(value, type_name: str):
    if value is None:
        return None
    if type_name.upper().startswith("DECIMAL"):
        return Decimal(str(value))
    return value


def evaluate(
    stats: StatsQuery,
    result: engine.QueryResult,
    *,
    checked: CheckedQuery,
    settings: GateSettings,
    history: ReleaseHistory,
    resource_of: Mapping[str, str],
    label: str,
) -> GateOutcome:
    """Apply every rule to the recomputed statistics; no I/O."""
    at = {name: i for i, name in enumerate(result.columns)}
    reasons = check_output_shape(checked.key_rules, sorted(checked.aggregated_outputs), settings)
    cells: list[CellStats] = []
    populations: list[Population] = []
    cell_of: dict[str, int] = {}
    unknown_population = False
    for r, row in enumerate(result.rows):
        for j, (_alias, _column, table) in enumerate(stats.units):
            resource = resource_of.get(table, table)
            cell_n = int(row[at[f"__s{j}_n"]] or 0)
            cell_hashes = row[at[f"__s{j}_p"]]
            cell_population = None if cell_hashes is None else frozenset(int(h) for h in cell_hashes)
            measures = []
            for m in stats.measures:
                top = row[at[f"__s{j}_k{m.index}"]] or []
                n = int(row[at[f"__s{j}_n{m.index}"]] or 0)
                measures.append(
                    MeasureStats(
                        name=m.output,
                        contributors=n,
                        magnitude=m.magnitude,
                        total=_number(row[at[f"__s{j}_t{m.index}"]]),
                        top=tuple(sorted((_number(x) for x in top), reverse=True)),
                    )
                )
                hashes = row[at[f"__s{j}_p{m.index}"]]
                if hashes is not None:
                    members = frozenset(int(h) for h in hashes)
                elif n == cell_n and cell_population is not None:
                    members = cell_population  # same size, and a subset: the same population
                elif n == 0:
                    members = frozenset()
                else:
                    unknown_population = True  # over the cap: not shipped out of the jail
                    continue
                population_label = f"{label}/row{r}/{m.output}/{table}"
                cell_of[population_label] = r
                populations.append(Population(resource, population_label, members))
            cells.append(CellStats(r, int(row[at[f"__s{j}_n"]] or 0), tuple(measures)))
        if not stats.units:
            cells.append(CellStats(r, None, ()))
    reasons += check_cells(cells, settings)
    if result.truncated:
        reasons.append(
            Reason(
                "R19.2",
                "truncated",
                Verdict.BLOCK,
                "输出行数超过上限，请缩小分组",
                "the output has too many rows; use coarser groups",
            )
        )
    if unknown_population:
        reasons.append(
            Reason(
                "R19.2",
                "differencing_unchecked",
                Verdict.REVIEW,
                "单元格过大，差分攻击检查需人工审查",
                "cells are too large for the automatic differencing check; it needs review",
            )
        )
    if worst(reasons) < Verdict.BLOCK:
        reasons += check_differencing(populations, history, settings.threshold, cell_of=cell_of)
    if worst(reasons) < Verdict.BLOCK:
        reasons += check_tracker(populations, history, settings.threshold, cell_of=cell_of)
    n_out = len(stats.outputs)
    types = result.types[:n_out]
    rows = [
        [round_value(_typed(v, t), settings.decimals) for v, t in zip(row[:n_out], types, strict=True)]
        for row in result.rows
    ]
    return GateOutcome(worst(reasons), reasons, list(stats.outputs), rows, populations)


# ---- Python jobs: declared aggregates ---------------------------------------------------------------

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_MEASURE = re.compile(r"^(count|sum|avg|count_distinct):([a-z][a-z0-9_]{0,62}|\*)$")


def declared_sql(declaration: dict) -> str:
    """SQL for a Python job's declared aggregate (names validated; the policy checks it again)."""
    resource = declaration.get("resource")
    keys = declaration.get("group_by") or []
    measures = declaration.get("measures") or {}
    if (
        not (isinstance(resource, str) and _NAME.match(resource))
        or not isinstance(measures, dict)
        or not measures
    ):
        raise ValueError("bad declaration")
    if not all(isinstance(k, str) and _NAME.match(k) for k in keys):
        raise ValueError("bad declaration")
    parts = list(keys)
    for alias, spec in measures.items():
        match = _MEASURE.match(str(spec))
        if not (isinstance(alias, str) and _NAME.match(alias) and match):
            raise ValueError("bad declaration")
        func, arg = match.groups()
        if arg == "*" and func != "count":
            raise ValueError("bad declaration")
        body = f"count(DISTINCT {arg})" if func == "count_distinct" else f"{func}({arg})"
        parts.append(f"{body} AS {alias}")
    group = f" GROUP BY {', '.join(keys)}" if keys else ""
    order = f" ORDER BY {', '.join(keys)}" if keys else ""
    return f"SELECT {', '.join(parts)} FROM {resource}{group}{order}"


def gate_declared_aggregate(
    raw: bytes,
    *,
    tables: Sequence[TableSpec],
    inputs: Mapping[str, Path],
    limits: jail.Limits,
    settings: GateSettings,
    history: ReleaseHistory,
    salt: str,
    resource_of: Mapping[str, str],
    label: str,
    workroot: Path | None = None,
) -> GateOutcome:
    """Gate one file a Python job emitted: only declared aggregates can pass, recomputed outside the jail."""
    try:
        declaration = json.loads(raw)
        if declaration.get("kind") != "aggregate":
            raise ValueError
        sql = declared_sql(declaration)
    except (ValueError, AttributeError, TypeError):
        reason = Reason(
            "R04.1",
            "undeclared_output",
            Verdict.BLOCK,
            "输出不是声明的聚合结果，按明细数据处理，不得导出",
            "the output is not a declared aggregate; it is treated as record-level and cannot leave",
        )
        return GateOutcome(Verdict.BLOCK, [reason], [], [])
    checked = check_sql(sql, tables)  # the same policy as SQL jobs (R19.1, R04.1)
    outcome = gate_sql(
        checked,
        inputs=inputs,
        limits=limits,
        settings=settings,
        history=history,
        salt=salt,
        resource_of=resource_of,
        label=label,
        workroot=workroot,
    )
    if not _same_rows(declaration.get("rows"), outcome.rows):
        outcome.reasons.append(
            Reason(
                "R19.2",
                "declared_mismatch",
                Verdict.BLOCK,
                "作业写出的数值与环境外按声明重新计算的结果不一致",
                "the numbers the job wrote differ from the recomputation of its declared aggregation",
            )
        )
        outcome.verdict = Verdict.BLOCK
    return outcome


def _same_rows(claimed, recomputed: list[list]) -> bool:
    if not isinstance(claimed, list) or len(claimed) != len(recomputed):
        return False
    for a, b in zip(claimed, recomputed, strict=True):
        if not isinstance(a, list) or len(a) != len(b):
            return False
        for x, y in zip(a, b, strict=True):
            if isinstance(y, int | float | Decimal) and not isinstance(y, bool):
                if abs(_number(x) - _number(y)) > 10**-(2):
                    return False
            elif str(x) != str(y):
                return False
    return True
