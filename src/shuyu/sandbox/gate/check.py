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
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .. import engine, jail
from ..schema import TableSpec
from ..sqlpolicy import CheckedQuery, check_sql
from . import populations as population_store
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
    files: list[Path] = field(default_factory=list)  # population files the populations point into


def _population_dir(workroot: Path | None) -> Path:
    """Where candidate populations go when the caller names no store (tests, benchmarks): host-only."""
    root = Path(workroot) if workroot is not None else Path(tempfile.gettempdir())
    folder = root / "shuyu-populations"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


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
    keyed_inputs: Mapping[str, Path] | None = None,
    population_dir: Path | None = None,
) -> GateOutcome:
    """Gate a checked query. `keyed_inputs`: the gate's keyed projections (`populations.project_units`)
    made with this `salt`, per table; `population_dir`: the store for this run's population files."""
    keyed = dict(keyed_inputs or {})
    stats = build_stats_query(
        checked,
        salt=salt,
        top_n=max(2, settings.dominance_n),
        population_cap=settings.population_cap,
        keyed_tables=frozenset(keyed),
    )
    result, raw = engine.run_gate_sql(
        stats.sql,
        tables=checked.tables,
        inputs=inputs,
        keyed_inputs={t: keyed[t] for t in stats.unit_tables},
        prepare=stats.prepare,
        unit_checks=stats.unit_checks,
        populations=stats.populations,
        limits=limits,
        workroot=workroot,
    )
    folder = population_dir if population_dir is not None else _population_dir(workroot)
    files: dict[str, Path] = {}
    for name, _selects in stats.populations:
        if name in raw:
            path = population_store.save(raw[name], folder)
            if population_store.readable(path):
                files[name] = path
            else:
                path.unlink(missing_ok=True)
    outcome = evaluate(
        stats,
        result,
        checked=checked,
        settings=settings,
        history=history,
        resource_of=resource_of,
        label=label,
        population_files=files,
    )
    used = {Path(p.source[0]) for p in outcome.populations if p.source is not None}
    for path in files.values():
        if path in used:
            outcome.files.append(path)
        else:
            path.unlink(missing_ok=True)
    return outcome


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
    population_files: Mapping[str, Path] | None = None,
) -> GateOutcome:
    """Apply every rule to the recomputed statistics; reads population files only to compare them."""
    at = {name: i for i, name in enumerate(result.columns)}
    reasons = check_output_shape(checked.key_rules, sorted(checked.aggregated_outputs), settings)
    cells: list[CellStats] = []
    populations: list[Population] = []
    cell_of: dict[str, int] = {}
    unknown_population = False
    cap = settings.population_cap
    for r, row in enumerate(result.rows):
        for j, (_alias, _column, table) in enumerate(stats.units):
            resource = resource_of.get(table, table)
            cell_n = int(row[at[f"__s{j}_n"]] or 0)
            file = (population_files or {}).get(f"populations{j}.parquet")
            cell_id = row[at[f"__s{j}_id"]]

            def source(measure: int | None, file=file, cell_id=cell_id):
                if file is None or cell_id is None:
                    return None  # not written, refused by the collector or unreadable: unknown
                return (str(file), stats.pop_id(int(cell_id), measure))

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
                population_label = f"{label}/row{r}/{m.output}/{table}"
                if n == 0:
                    population = Population(resource, population_label, frozenset())
                else:
                    # a measure's contributors are a subset of the cell's: the same size, the same set
                    where = source(None) if n == cell_n else source(m.index)
                    if where is None or n > cap:
                        unknown_population = True  # over the cap, or not written: not checked here
                        continue
                    population = Population(resource, population_label, size=n, source=where)
                cell_of[population_label] = r
                populations.append(population)
            cells.append(CellStats(r, cell_n, tuple(measures)))
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
    keyed_inputs: Mapping[str, Path] | None = None,
    population_dir: Path | None = None,
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
        keyed_inputs=keyed_inputs,
        population_dir=population_dir,
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
