"""Rewrite a checked query so the gate computes each cell's disclosure statistics (R19.2).

For every disclosure-unit source j of the outermost query (a person table, an enterprise table …) the
jailed worker runs, as temporary tables:

    __c{j}: per cell and per contributor `__u`, each aggregate's partial (a contributor's own sum or count);
    __s{j}: per cell (numbered `__id` by the worker), contributors overall and per aggregate (non-zero
            partials only), the sum of absolute partials and the largest partials (dominance, p%);

then the operator's own aggregation as `__q`, joined to `__s{j}` on the group keys (the result), and
writes each cell's population — the contributors' keyed hashes, never identifiers — to a Parquet file
that stays in the domain for the differencing and tracker checks (`gate.populations`).

A contributor `__u` is `unit_key_sql(unit)`: a keyed 64-bit hash of the unit field. When the gate has a
projection of the table with that key precomputed (column `__unit`, see `populations.project_units`) and
the unit comes straight from the table, `__c{j}` reads the key from the view `__u_<table>` instead of
hashing every row; otherwise it hashes inline. Both give the same keys, so releases stay comparable.

The statistics are derived from the *declared* aggregation (the checked tree), by our code; the operator
writes none of this SQL and sees none of its output.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field, replace

from sqlglot import exp

from ..sqlpolicy import ALLOWED_AGGS, CheckedQuery, check_duckdb_statement

STATS_FUNCTIONS = frozenset({"list", "hash", "abs", "max", "count", "sum"})
UNIT_COLUMN = "__unit"
_SALT = re.compile(r"^[0-9a-f]{16,128}$")


@dataclass(frozen=True)
class Measure:
    index: int
    output: str  # the output column the aggregate belongs to
    magnitude: bool  # sum / avg: dominance and p% apply
    column: int = -1  # its partial's column `__m{column}`: aggregates with the same partial share one


@dataclass(frozen=True)
class StatsQuery:
    """The statements of one gate run, each checked by DuckDB's parser, in the order the worker runs them.

    `prepare`: (temporary table, SELECT, numbered) triples; `sql`: the result; `populations`: (file, SELECTs) pairs; the
    worker writes the SELECTs' UNION ALL, whose rows are (pop, member): pop = cell id × (measures + 1) for the cell's contributors, + 1 + m for
    measure m's when they differ from the cell's (and only for cells within the population cap).
    """

    sql: str
    outputs: list[str]
    keys: int
    measures: list[Measure]
    units: tuple[tuple[str, str, str], ...]
    prepare: list[tuple[str, str, bool]] = field(default_factory=list)  # (table, SELECT, numbered)
    populations: list[tuple[str, list[str]]] = field(default_factory=list)  # file, SELECTs (UNION ALL)
    unit_tables: tuple[str, ...] = ()  # tables whose precomputed key the statistics read
    unit_checks: tuple[str, ...] = ()  # each must return 0: the precomputed keys are this salt's

    def pop_id(self, cell: int, measure: int | None) -> int:
        width = max((m.column for m in self.measures), default=-1) + 2
        return cell * width + (0 if measure is None else 1 + self.measures[measure].column)


def unit_key_sql(column_sql: str, salt: str) -> str:
    """The keyed hash of a disclosure unit (NULL stays NULL: it is no contributor). Same everywhere."""
    if not _SALT.match(salt):
        raise ValueError("salt must be lowercase hex")
    return (
        f"CASE WHEN {column_sql} IS NULL THEN NULL ELSE HASH('{salt}' || CAST({column_sql} AS VARCHAR)) END"
    )


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


def _use_unit_view(select: exp.Select, alias: str, table: str) -> bool:
    """Point the outermost FROM/JOIN entry `table AS alias` at the keyed view; True if it was there."""
    sources = [select.args["from_"].this] + [j.this for j in select.args.get("joins") or []]
    for source in sources:
        if isinstance(source, exp.Table) and source.name == table and source.alias_or_name == alias:
            if not source.alias:
                source.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
            source.set("this", exp.to_identifier(f"__u_{table}"))
            return True
    return False


def build_stats_query(
    checked: CheckedQuery,
    *,
    salt: str,
    top_n: int = 2,
    population_cap: int = 100_000,
    keyed_tables: Collection[str] = (),
) -> StatsQuery:
    """The rewritten statements; each is checked again by DuckDB's parser before it is used.

    `keyed_tables`: tables whose input has the precomputed `__unit` key (read through `__u_<table>`).
    """
    if not _SALT.match(salt):
        raise ValueError("salt must be lowercase hex")
    root = checked.tree.copy()
    with_ = root.args.get("with_")
    root.set("with_", None)
    group = root.args.get("group")
    keys = list(group.expressions) if group else []
    partials: list[str] = []  # distinct partials: sum(x) and avg(x) group the same per-contributor sum
    measures = []
    for m, p in _measures(root):
        text = p.sql("duckdb")
        if text not in partials:
            partials.append(text)
        measures.append((replace(m, column=partials.index(text)), p))
    cap = int(population_cap)

    q = root.copy()
    order = q.args.get("order")
    for i, key in enumerate(keys):
        q.append("expressions", exp.alias_(key.copy(), f"__g{i}"))
    user_ctes = [cte.sql("duckdb") for cte in (with_.expressions if with_ else [])]
    with_user = f"WITH {', '.join(user_ctes)} " if user_ctes else ""
    gs = [f"__g{i}" for i in range(len(keys))]

    prepare: list[tuple[str, str, bool]] = []
    populations: list[tuple[str, list[str]]] = []
    unit_tables: list[str] = []
    unit_checks: list[str] = []
    select_list = [f"__q.{_q(name)}" for name in checked.outputs]
    joins = []
    for j, (alias, column, table) in enumerate(checked.units):
        c = exp.Select()
        c.set("from_", root.args["from_"].copy())
        c.set("joins", [join.copy() for join in root.args.get("joins") or []])
        if root.args.get("where"):
            c.set("where", root.args["where"].copy())
        if table in keyed_tables and _use_unit_view(c, alias, table):
            unit_sql = group_sql = exp.column(UNIT_COLUMN, table=alias, quoted=True).sql("duckdb")
            if table not in unit_tables:
                unit_tables.append(table)
                t_unit = exp.column(column, table="t", quoted=False).sql("duckdb")
                unit_checks.append(
                    f"SELECT COUNT(*) AS bad FROM (SELECT * FROM __u_{table} LIMIT 1000) AS t "
                    f'WHERE t."{UNIT_COLUMN}" IS DISTINCT FROM {unit_key_sql(t_unit, salt)}'
                )
        else:
            # grouped by the unit itself, hashed once per contributor rather than once per row
            group_sql = exp.column(column, table=alias, quoted=False).sql("duckdb")
            unit_sql = unit_key_sql(group_sql, salt)
        c.set("expressions", [exp.Star()])
        body = c.sql("duckdb")
        if not body.startswith("SELECT * "):
            raise ValueError("unexpected statistics statement")
        parts = [f"{k.sql('duckdb')} AS __g{i}" for i, k in enumerate(keys)] + [f"{unit_sql} AS __u"]
        parts += [f"{p} AS __m{i}" for i, p in enumerate(partials)]
        group_by = ", ".join([k.sql("duckdb") for k in keys] + [group_sql])
        c_sql = f"{with_user}SELECT {', '.join(parts)}{body[len('SELECT *') :]} GROUP BY {group_by}"
        prepare.append((f"__c{j}", c_sql, False))

        stats = [*gs, "COUNT(__u) AS __n"]
        magnitude = {m.column for m, _ in measures if m.magnitude}
        for i in range(len(partials)):
            live = f"FILTER (WHERE __m{i} <> 0 AND __u IS NOT NULL)"
            stats.append(f"COUNT(__u) {live} AS __n{i}")
            if i in magnitude:  # dominance and p% judge magnitudes only: counts need no top contributions
                stats += [
                    f"SUM(ABS(__m{i})) {live} AS __t{i}",
                    f"MAX(ABS(__m{i}), {int(top_n)}) {live} AS __k{i}",
                ]
            else:
                stats += [f"NULL AS __t{i}", f"NULL AS __k{i}"]
        group_by = f" GROUP BY {', '.join(gs)}" if keys else ""
        prepare.append((f"__s{j}", f"SELECT {', '.join(stats)} FROM __c{j}{group_by}", True))

        on = " AND ".join(f"__q.__g{i} IS NOT DISTINCT FROM __s{j}.__g{i}" for i in range(len(keys)))
        joins.append(f"LEFT JOIN __s{j} ON {on}" if keys else f"CROSS JOIN __s{j}")
        select_list += [f"__s{j}.__id AS __s{j}_id", f"__s{j}.__n AS __s{j}_n"]
        for m, _ in measures:
            select_list += [f"__s{j}.__{x}{m.column} AS __s{j}_{x}{m.index}" for x in "ntk"]

        width = len(partials) + 1
        cell_on = " AND ".join(f"c.__g{i} IS NOT DISTINCT FROM s.__g{i}" for i in range(len(keys)))
        source = (
            f"__c{j} AS c JOIN __s{j} AS s ON {cell_on}" if keys else f"__c{j} AS c CROSS JOIN __s{j} AS s"
        )
        parts = [
            f"SELECT s.__id * {width} AS pop, c.__u AS member FROM {source} WHERE c.__u IS NOT NULL AND s.__n <= {cap}"
        ]
        for i in range(len(partials)):
            parts.append(
                f"SELECT s.__id * {width} + {1 + i} AS pop, c.__u AS member FROM {source} "
                f"WHERE c.__u IS NOT NULL AND c.__m{i} <> 0 "
                f"AND s.__n{i} <= {cap} AND s.__n{i} <> s.__n"
            )
        populations.append((f"populations{j}.parquet", parts))

    ctes = [*user_ctes, f"__q AS ({q.sql('duckdb')})"]
    sql = f"WITH {', '.join(ctes)} SELECT {', '.join(select_list)} FROM __q {' '.join(joins)}"
    sql += _final_order(order, checked.outputs)

    names = (
        {"__q"}
        | {f"__c{j}" for j in range(len(checked.units))}
        | {f"__s{j}" for j in range(len(checked.units))}
    )
    names |= {cte.alias_or_name.lower() for cte in (with_.expressions if with_ else [])}
    names |= {f"__u_{t}" for t in unit_tables}
    statements = [sql, *unit_checks] + [s for _, s, _ in prepare] + [s for _, p in populations for s in p]
    import duckdb

    con = duckdb.connect(":memory:", config={"enable_external_access": False})
    try:
        for statement in statements:
            check_duckdb_statement(
                statement,
                table_names=checked.tables,
                cte_names=frozenset(names),
                extra_functions=STATS_FUNCTIONS,
                con=con,
            )
    finally:
        con.close()
    return StatsQuery(
        sql=sql,
        outputs=list(checked.outputs),
        keys=len(keys),
        measures=[m for m, _ in measures],
        units=checked.units,
        prepare=prepare,
        populations=populations,
        unit_tables=tuple(unit_tables),
        unit_checks=tuple(unit_checks),
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
