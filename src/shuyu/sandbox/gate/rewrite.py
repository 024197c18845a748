"""Rewrite a checked query so the same pass also computes each cell's disclosure statistics (R19.2).

For every disclosure-unit source j of the outermost query (a person table, an enterprise table …):

    __c{j}: per cell and per contributor, each aggregate's partial (a contributor's own sum or count);
    __s{j}: per cell, contributors overall and per aggregate (non-zero partials only), the sum of absolute
            partials, the largest partials (dominance, p%), and the contributors' keyed hashes (history).

and the operator's own aggregation runs as `__q`, joined to the statistics on the group keys. The
statistics are derived from the *declared* aggregation (the checked tree), by our code; the operator
writes none of this SQL and sees none of its output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp

from ..sqlpolicy import ALLOWED_AGGS, CheckedQuery, check_duckdb_statement

STATS_FUNCTIONS = frozenset({"list", "hash", "abs", "max", "count", "sum"})
_SALT = re.compile(r"^[0-9a-f]{16,128}$")


@dataclass(frozen=True)
class Measure:
    index: int
    output: str  # the output column the aggregate belongs to
    magnitude: bool  # sum / avg: dominance and p% apply


@dataclass(frozen=True)
class StatsQuery:
    sql: str
    outputs: list[str]
    keys: int
    measures: list[Measure]
    units: tuple[tuple[str, str, str], ...]


def _partial(agg: exp.Expression) -> exp.Expression:
    """A contributor's own share of an aggregate: its sum for magnitudes, its count otherwise."""
    arg = agg.this
    if isinstance(agg, exp.Count):
        if isinstance(arg, exp.Star):
            return exp.Count(this=exp.Star())
        if isinstance(arg, exp.Distinct):
            return exp.Count(this=arg.expressions[0].copy())
        return exp.Count(this=arg.copy())
    if isinstance(agg, exp.Sum | exp.Avg | exp.Stddev | exp.StddevSamp | exp.StddevPop):
        return exp.Sum(this=arg.copy())
    if isinstance(agg, exp.Variance | exp.VariancePop):
        return exp.Sum(this=arg.copy())
    return exp.Count(this=arg.copy())  # min / max: presence


def _measures(root: exp.Select) -> list[tuple[Measure, exp.Expression]]:
    found: list[tuple[Measure, exp.Expression]] = []
    for projection in root.expressions:
        for node in projection.walk():
            if isinstance(node, ALLOWED_AGGS):
                partial = _partial(node)
                if isinstance(node.parent, exp.Filter):
                    condition = node.parent.expression.this.copy()
                    partial = exp.Filter(this=partial, expression=exp.Where(this=condition))
                measure = Measure(len(found), projection.alias_or_name, isinstance(node, exp.Sum | exp.Avg))
                found.append((measure, partial))
    return found


def _q(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def build_stats_query(
    checked: CheckedQuery, *, salt: str, top_n: int = 2, population_cap: int = 100_000
) -> StatsQuery:
    """The rewritten statement; checked again by DuckDB's parser before it is used."""
    if not _SALT.match(salt):
        raise ValueError("salt must be lowercase hex")
    root = checked.tree.copy()
    with_ = root.args.get("with_")
    root.set("with_", None)
    group = root.args.get("group")
    keys = list(group.expressions) if group else []
    measures = _measures(root)

    q = root.copy()
    order = q.args.get("order")
    for i, key in enumerate(keys):
        q.append("expressions", exp.alias_(key.copy(), f"__g{i}"))
    ctes = [cte.sql("duckdb") for cte in (with_.expressions if with_ else [])]
    ctes.append(f"__q AS ({q.sql('duckdb')})")

    select_list = [f"__q.{_q(name)}" for name in checked.outputs]
    joins = []
    for j, (alias, column, _table) in enumerate(checked.units):
        unit = exp.column(column, table=alias, quoted=False)
        c = exp.Select(
            expressions=[exp.alias_(k.copy(), f"__g{i}") for i, k in enumerate(keys)]
            + [exp.alias_(unit.copy(), "__u")]
            + [exp.alias_(p.copy(), f"__m{m.index}") for m, p in measures]
        )
        c.set("from_", root.args["from_"].copy())
        c.set("joins", [join.copy() for join in root.args.get("joins") or []])
        if root.args.get("where"):
            c.set("where", root.args["where"].copy())
        c.set("group", exp.Group(expressions=[k.copy() for k in keys] + [unit.copy()]))
        ctes.append(f"__c{j} AS ({c.sql('duckdb')})")

        stats = [f"__g{i}" for i in range(len(keys))] + ["COUNT(__u) AS __n"]
        stats.append(
            f"CASE WHEN COUNT(__u) <= {int(population_cap)} "
            f"THEN LIST(HASH('{salt}' || CAST(__u AS VARCHAR))) FILTER (WHERE __u IS NOT NULL) END AS __p"
        )
        for m, _ in measures:
            live = f"FILTER (WHERE __m{m.index} <> 0 AND __u IS NOT NULL)"
            stats += [
                f"COUNT(__u) {live} AS __n{m.index}",
                f"SUM(ABS(__m{m.index})) {live} AS __t{m.index}",
                f"MAX(ABS(__m{m.index}), {int(top_n)}) {live} AS __k{m.index}",
                # populations above the cap are not shipped out of the jail (size); the gate then asks
                # for review instead of checking differencing automatically
                # a measure's population is shipped only when it differs from the cell's
                f"CASE WHEN COUNT(__u) {live} <= {int(population_cap)} AND COUNT(__u) {live} <> COUNT(__u) "
                f"THEN LIST(HASH('{salt}' || CAST(__u AS VARCHAR))) {live} END AS __p{m.index}",
            ]
        group_by = f" GROUP BY {', '.join(f'__g{i}' for i in range(len(keys)))}" if keys else ""
        ctes.append(f"__s{j} AS (SELECT {', '.join(stats)} FROM __c{j}{group_by})")

        on = " AND ".join(f"__q.__g{i} IS NOT DISTINCT FROM __s{j}.__g{i}" for i in range(len(keys)))
        joins.append(f"LEFT JOIN __s{j} ON {on}" if keys else f"CROSS JOIN __s{j}")
        select_list += [f"__s{j}.__n AS __s{j}_n", f"__s{j}.__p AS __s{j}_p"]
        for m, _ in measures:
            select_list += [f"__s{j}.__{x}{m.index} AS __s{j}_{x}{m.index}" for x in "ntkp"]

    sql = f"WITH {', '.join(ctes)} SELECT {', '.join(select_list)} FROM __q {' '.join(joins)}"
    sql += _final_order(order, checked.outputs)
    cte_names = frozenset({"__q"} | {f"__c{j}" for j in range(len(checked.units))})
    cte_names |= {f"__s{j}" for j in range(len(checked.units))}
    cte_names |= {cte.alias_or_name.lower() for cte in (with_.expressions if with_ else [])}
    check_duckdb_statement(
        sql, table_names=checked.tables, cte_names=frozenset(cte_names), extra_functions=STATS_FUNCTIONS
    )
    return StatsQuery(
        sql=sql,
        outputs=list(checked.outputs),
        keys=len(keys),
        measures=[m for m, _ in measures],
        units=checked.units,
    )


def _final_order(order: exp.Order | None, outputs: list[str]) -> str:
    """Re-apply the operator's ORDER BY on output names or positions; otherwise leave rows unordered."""
    if order is None:
        return ""
    parts = []
    for ordered in order.expressions:
        target = ordered.this
        if isinstance(target, exp.Literal) and not target.is_string and target.this.isdigit():
            position = int(target.this)
            if not 1 <= position <= len(outputs):
                return ""
            name = outputs[position - 1]
        elif isinstance(target, exp.Column) and not target.table and target.name in outputs:
            name = target.name
        else:
            return ""
        parts.append(f"__q.{_q(name)}{' DESC' if ordered.args.get('desc') else ''}")
    return " ORDER BY " + ", ".join(parts)
