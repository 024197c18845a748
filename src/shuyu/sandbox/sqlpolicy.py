"""The SQL policy: what an operator's query may be before it runs (R19.1, R04.1).

DuckDB's documentation says its own settings are defence in depth, not a sandbox ("SQL is executable
code"). So a query is checked here first, by allowlists only — a node kind, function, table or field that
is not listed is refused, whatever it is — and then DuckDB's own parser is asked what *it* will run
(`json_serialize_sql`, `extract_statements`) and that tree is checked against allowlists again, because
sqlglot and DuckDB are two parsers and may disagree. The text that is executed is exactly the text both
checks saw (sqlglot's DuckDB rendering of the checked tree).

Shape accepted (fail closed: anything else is refused):
- one SELECT, optionally with non-recursive CTEs and derived tables in FROM/JOIN;
- CTEs and derived tables are row-level: projections, filters, joins; no aggregation, ordering or limit;
- the outermost SELECT aggregates (GROUP BY keys + aggregates, or aggregates only): never record-level;
- column rules per field (FieldRule), the strictest side of a column equality winning;
- raw-value aggregates (min/max) only over numeric, non-sensitive, non-identifier bare columns;
  aggregates that return members of the group (string_agg, list, array_agg, arg_max, mode,
  quantile_disc, first, any_value …) are simply not on the allowlist.

Refusals never echo the query's text or literals: only the names of granted fields and tables.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope

from shuyu.core.errors import DomainError

from .schema import FieldRule, FieldType, TableSpec

# sqlglot logs unsupported statements verbatim; an operator's query text must not reach our logs.
logging.getLogger("sqlglot").addFilter(lambda record: False)

MAX_SQL_CHARS = 20_000
MAX_NODES = 5_000

# ---- allowlists -------------------------------------------------------------------------------------

MAGNITUDE_AGGS: tuple[type[exp.Expression], ...] = (
    exp.Count,
    exp.Sum,
    exp.Avg,
    exp.Stddev,
    exp.StddevSamp,
    exp.StddevPop,
    exp.Variance,
    exp.VariancePop,
)
VALUE_AGGS: tuple[type[exp.Expression], ...] = (exp.Min, exp.Max)  # return one member's value
ALLOWED_AGGS = MAGNITUDE_AGGS + VALUE_AGGS

ALLOWED_SCALARS: tuple[type[exp.Expression], ...] = (
    exp.Abs,
    exp.Round,
    exp.Floor,
    exp.Ceil,
    exp.Lower,
    exp.Upper,
    exp.Length,
    exp.Trim,
    exp.Substring,
    exp.Coalesce,
    exp.Nullif,
    exp.Year,
    exp.Month,
    exp.Quarter,
    exp.Extract,
    exp.TimestampTrunc,
    exp.DateTrunc,
    exp.Cast,
    exp.TryCast,
    exp.Greatest,
    exp.Least,
    exp.DPipe,
    exp.If,
    exp.Case,
)

ALLOWED_NODES: tuple[type[exp.Expression], ...] = (
    exp.Select,
    exp.From,
    exp.Join,
    exp.Where,
    exp.Group,
    exp.Having,
    exp.Order,
    exp.Ordered,
    exp.Limit,
    exp.Offset,
    exp.Column,
    exp.Identifier,
    exp.Table,
    exp.TableAlias,
    exp.Alias,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.With,
    exp.CTE,
    exp.Subquery,
    exp.Paren,
    exp.Neg,
    exp.Not,
    exp.And,
    exp.Or,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.Is,
    exp.In,
    exp.Between,
    exp.Like,
    exp.ILike,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.IntDiv,
    exp.DataType,
    exp.Var,
    exp.Filter,
    exp.Distinct,
    exp.Star,
)
ALLOWED_TYPES = {
    exp.DataType.Type.INT,
    exp.DataType.Type.BIGINT,
    exp.DataType.Type.SMALLINT,
    exp.DataType.Type.DOUBLE,
    exp.DataType.Type.FLOAT,
    exp.DataType.Type.DECIMAL,
    exp.DataType.Type.TEXT,
    exp.DataType.Type.VARCHAR,
    exp.DataType.Type.DATE,
    exp.DataType.Type.BOOLEAN,
}
ALLOWED_UNITS = {"YEAR", "QUARTER", "MONTH", "WEEK", "DAY"}
ALLOWED_JOIN_KINDS = {"", "INNER", "OUTER", "CROSS"}

# DuckDB's names for the same functions and operators, as its parser reports them. `count_star` is
# count(*). Anything else DuckDB would call — a table function, a macro, a setting reader — is refused.
DUCKDB_FUNCTIONS = frozenset(
    {
        "count", "count_star", "sum", "avg", "min", "max", "stddev", "stddev_samp", "stddev_pop",
        "variance", "var_samp", "var_pop", "abs", "round", "floor", "ceil", "lower", "upper", "length",
        "trim", "substring", "year", "month", "quarter", "date_part", "extract", "date_trunc",
        "greatest", "least", "concat", "||", "+", "-", "*", "/", "//", "%", "~~", "!~~", "~~*",
        "!~~*", "nullif", "if",
    }
)  # fmt: skip
DUCKDB_EXPR_CLASSES = frozenset(
    {
        "COLUMN_REF", "CONSTANT", "FUNCTION", "COMPARISON", "CONJUNCTION", "OPERATOR", "CASE",
        "CAST", "BETWEEN", "STAR", "TYPE",
    }
)  # fmt: skip
DUCKDB_TABLE_REFS = frozenset({"BASE_TABLE", "JOIN", "SUBQUERY", "EMPTY"})


# ---- result -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Taint:
    """What a value derives from: the strictest rule among its sources, its type if it is a bare field."""

    rule: FieldRule
    type: FieldType | None = None
    bare: tuple[str, str] | None = None  # (table, field) if the value is that field unchanged


@dataclass
class CheckedQuery:
    """A query that passed the policy. `sql` is the one text both parsers accepted and DuckDB runs."""

    sql: str
    tree: exp.Select
    tables: frozenset[str]
    outputs: list[str]
    aggregated_outputs: frozenset[str] = field(default_factory=frozenset)
    # (source alias in the outermost FROM, column, base table): where each contributor comes from
    units: tuple[tuple[str, str, str], ...] = ()
    key_rules: dict[str, FieldRule] = field(default_factory=dict)  # rule of each GROUP BY output


def _refuse(requirement: str, zh: str, en: str, **ctx: object) -> DomainError:
    return DomainError(requirement, zh, en, **ctx)


def _scope_refusal() -> DomainError:
    return _refuse(
        "R19.1",
        "查询只能是一条 SELECT 语句，且只能使用允许的语法和函数",
        "the query must be one SELECT using only allowed syntax and functions",
    )


# ---- entry point ------------------------------------------------------------------------------------


def check_sql(sql: str, tables: Sequence[TableSpec]) -> CheckedQuery:
    """Check an operator's query against the workspace's tables; return what may run, or raise."""
    if not isinstance(sql, str) or not sql.strip() or len(sql) > MAX_SQL_CHARS:
        raise _refuse("R19.1", "查询为空或过长", "the query is empty or too long")
    specs = {t.name: t for t in tables}
    tree = _parse_one(sql)
    _check_nodes(tree)
    _check_tables(tree, specs)
    schema = {t.name: {f.name: f.type.sql for f in t.fields} for t in tables}
    try:
        tree = qualify(
            tree,
            schema=schema,
            dialect="duckdb",
            validate_qualify_columns=True,
            quote_identifiers=False,
        )
    except SqlglotError:
        raise _refuse(
            "R19.1",
            "查询引用了工作区之外的表或字段",
            "the query names a table or field outside the workspace",
        ) from None
    _check_nodes(tree)  # qualify expands stars; check what it produced too
    shape = _check_scopes(tree, specs)
    text = tree.sql(dialect="duckdb")
    check_duckdb_statement(text, table_names=frozenset(specs), cte_names=_cte_names(tree))
    used = frozenset(t.name for t in tree.find_all(exp.Table) if t.name in specs)
    return CheckedQuery(
        sql=text,
        tree=tree,
        tables=used,
        outputs=shape.outputs,
        aggregated_outputs=shape.aggregated,
        units=shape.units,
        key_rules=shape.key_rules,
    )


def _parse_one(sql: str) -> exp.Select:
    try:
        statements = [s for s in sqlglot.parse(sql, dialect="duckdb") if s is not None]
    except SqlglotError:
        raise _refuse("R19.1", "查询无法解析", "the query cannot be parsed") from None
    if len(statements) != 1 or type(statements[0]) is not exp.Select:
        raise _scope_refusal()
    return statements[0]


def _check_nodes(tree: exp.Expression) -> None:
    """Every node must be of an allowed kind; functions by name (allowlist, never a denylist)."""
    for count, node in enumerate(tree.walk(), start=1):
        if count > MAX_NODES:
            raise _refuse("R19.1", "查询过于复杂", "the query is too complex")
        if not isinstance(node, ALLOWED_NODES + ALLOWED_AGGS + ALLOWED_SCALARS):
            if isinstance(node, exp.Func):
                raise _refuse(
                    "R19.1",
                    "查询使用了不在允许清单中的函数",
                    "the query uses a function that is not on the allowlist",
                )
            raise _scope_refusal()
        _check_node_detail(node)


def _check_node_detail(node: exp.Expression) -> None:  # noqa: C901 — one flat list of shape rules
    if isinstance(node, exp.Select):
        allowed = {"expressions", "from_", "joins", "where", "group", "having", "order", "limit", "offset"}
        allowed |= {"with_"}
        if any(v not in (None, [], False) for k, v in node.args.items() if k not in allowed):
            raise _scope_refusal()  # DISTINCT ON, QUALIFY, windows, SAMPLE, INTO, LATERAL …
    elif isinstance(node, exp.With):
        if node.args.get("recursive"):
            raise _scope_refusal()
    elif isinstance(node, exp.Group):
        if any(v for k, v in node.args.items() if k != "expressions"):
            raise _scope_refusal()  # ROLLUP, CUBE, GROUPING SETS, GROUP BY ALL, TOTALS
    elif isinstance(node, exp.Join):
        kind = (node.args.get("kind") or "").upper()
        if kind not in ALLOWED_JOIN_KINDS or node.args.get("method") or node.args.get("using"):
            raise _scope_refusal()  # NATURAL, ASOF, SEMI/ANTI, POSITIONAL, USING (ambiguous origin)
    elif isinstance(node, exp.Subquery):
        if not isinstance(node.parent, exp.From | exp.Join):
            raise _scope_refusal()  # only derived tables; no scalar/IN/EXISTS subqueries
        if any(v for k, v in node.args.items() if k not in ("this", "alias")):
            raise _scope_refusal()
    elif isinstance(node, exp.In):
        if node.args.get("query") or node.args.get("unnest") or node.args.get("field"):
            raise _scope_refusal()
        if not all(isinstance(e, exp.Literal | exp.Neg) for e in node.expressions):
            raise _scope_refusal()
    elif isinstance(node, exp.Star):
        if not isinstance(node.parent, exp.Count | exp.Select | exp.Column):
            raise _scope_refusal()
        if any(node.args.values()):
            raise _scope_refusal()  # * EXCLUDE / REPLACE / RENAME
    elif isinstance(node, exp.DataType):
        if node.this not in ALLOWED_TYPES or node.expressions and node.this != exp.DataType.Type.DECIMAL:
            raise _scope_refusal()
    elif isinstance(node, exp.Var):
        if not isinstance(node.parent, exp.Extract | exp.TimestampTrunc | exp.DateTrunc):
            raise _scope_refusal()
        if node.name.upper() not in ALLOWED_UNITS:
            raise _scope_refusal()
    elif isinstance(node, exp.Table):
        if node.args.get("db") or node.args.get("catalog") or not isinstance(node.this, exp.Identifier):
            raise _scope_refusal()
        if any(v for k, v in node.args.items() if k not in ("this", "alias")):
            raise _scope_refusal()  # TABLESAMPLE, AT, version, pivots, hints
    elif isinstance(node, exp.Identifier) and node.name.startswith("__"):
        raise _scope_refusal()  # names starting with "__" are the gate's own (gate/rewrite.py)
    elif isinstance(node, exp.Literal) and len(str(node.this)) > 1000:
        raise _refuse("R19.1", "查询中的常量过长", "a constant in the query is too long")


def _cte_names(tree: exp.Expression) -> frozenset[str]:
    return frozenset(cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE))


def _check_tables(tree: exp.Expression, specs: dict[str, TableSpec]) -> None:
    ctes = _cte_names(tree)
    if ctes & set(specs):
        raise _scope_refusal()  # a CTE may not shadow a workspace table
    for table in tree.find_all(exp.Table):
        if table.name.lower() not in specs and table.name.lower() not in ctes:
            raise _refuse(
                "R19.1",
                "查询引用了工作区之外的表或字段",
                "the query names a table or field outside the workspace",
            )


# ---- column rules, scope by scope -------------------------------------------------------------------


def _own_columns(select: exp.Select) -> list[exp.Column]:
    """Columns of this SELECT, not of the CTEs or derived tables it reads from."""
    found: list[exp.Column] = []
    stack: list[exp.Expression] = [select]
    while stack:
        node = stack.pop()
        if node is not select and isinstance(node, exp.Select | exp.Subquery | exp.With):
            continue
        if isinstance(node, exp.Column):
            found.append(node)
            continue
        stack.extend(node.iter_expressions())
    return found


def _own_nodes(select: exp.Select, kind) -> list[exp.Expression]:
    found = []
    stack: list[exp.Expression] = [select]
    while stack:
        node = stack.pop()
        if node is not select and isinstance(node, exp.Select | exp.Subquery | exp.With):
            continue
        if isinstance(node, kind):
            found.append(node)
        stack.extend(node.iter_expressions())
    return found


def _context(col: exp.Column, select: exp.Select) -> tuple[str, exp.Expression | None]:
    """(clause, innermost aggregate) of a column occurrence within its SELECT."""
    clause, agg = "select", None
    node: exp.Expression | None = col.parent
    while node is not None and node is not select:
        if isinstance(node, ALLOWED_AGGS) and agg is None and clause == "select":
            agg = node
        if isinstance(node, exp.Where):
            clause = "where"  # also a FILTER (WHERE …) of an aggregate: a condition, not a measure
            agg = None
        elif isinstance(node, exp.Join):
            clause = "join"
        elif isinstance(node, exp.Group):
            clause = "group"
        elif isinstance(node, exp.Having):
            clause = "having"
        elif isinstance(node, exp.Order):
            clause = "order"
        node = node.parent
    if clause in ("having", "order"):
        # aggregates in HAVING/ORDER BY count like projections
        node = col.parent
        while node is not None and node is not select:
            if isinstance(node, ALLOWED_AGGS):
                agg = node
                break
            if isinstance(node, exp.Where):
                return "where", None
            node = node.parent
    return clause, agg


def _unify_equalities(select: exp.Select, base: dict[tuple[str, str], Taint]) -> dict[tuple[str, str], Taint]:
    """In a join the strictest rule wins: both sides of a column equality take the stricter rule."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(k):
        while parent.get(k, k) != k:
            k = parent[k]
        return k

    for eq in _own_nodes(select, exp.EQ):
        left, right = eq.this, eq.expression
        if isinstance(left, exp.Column) and isinstance(right, exp.Column):
            a, b = find((left.table, left.name)), find((right.table, right.name))
            if a != b:
                parent[a] = b
    groups: dict[tuple[str, str], FieldRule] = {}
    for key, taint in base.items():
        root = find(key)
        groups[root] = max(groups.get(root, FieldRule.PLAIN), taint.rule)
    return {k: Taint(rule=max(t.rule, groups[find(k)]), type=t.type, bare=t.bare) for k, t in base.items()}


def _source_taints(scope: Scope, specs, outputs_of) -> dict[tuple[str, str], Taint]:
    taints: dict[tuple[str, str], Taint] = {}
    for col in _own_columns(scope.expression):
        if not col.table:
            continue
        source = scope.sources.get(col.table)
        if isinstance(source, exp.Table) and source.name in specs:
            spec = specs[source.name].field(col.name)
            if spec is None:
                raise _refuse(
                    "R19.1", "查询引用了工作区之外的表或字段", "the query names a field outside the workspace"
                )
            taints[(col.table, col.name)] = Taint(spec.rule, spec.type, (source.name, spec.name))
        elif isinstance(source, Scope) and id(source) in outputs_of:
            taint = outputs_of[id(source)].get(col.name)
            if taint is None:
                raise _scope_refusal()
            taints[(col.table, col.name)] = taint
        else:
            raise _scope_refusal()
    return taints


@dataclass
class _Shape:
    outputs: list[str] = field(default_factory=list)
    aggregated: frozenset[str] = frozenset()
    units: tuple[tuple[str, str, str], ...] = ()
    key_rules: dict[str, FieldRule] = field(default_factory=dict)


def _check_scopes(tree: exp.Select, specs: dict[str, TableSpec]) -> _Shape:
    outputs_of: dict[int, dict[str, Taint]] = {}
    bases_of: dict[int, set[str]] = {}  # unit-bearing base tables under a CTE or derived table
    shape = _Shape()
    for scope in traverse_scope(tree):
        select = scope.expression
        if not isinstance(select, exp.Select) or scope.is_udtf:
            raise _scope_refusal()
        is_root = scope.is_root
        if not (is_root or scope.is_cte or scope.is_derived_table):
            raise _scope_refusal()
        taints = _unify_equalities(select, _source_taints(scope, specs, outputs_of))
        aliases = {p.alias_or_name for p in select.expressions}
        for col in _own_columns(select):
            if not col.table:
                if is_root and col.name in aliases and isinstance(col.find_ancestor(exp.Order), exp.Order):
                    continue  # ORDER BY an output alias
                raise _scope_refusal()
            _check_column(col, taints[(col.table, col.name)], select, is_root)
        for agg in _own_nodes(select, VALUE_AGGS):
            _check_value_aggregate(agg, taints)
        if is_root:
            shape.aggregated = frozenset(_check_root_shape(select))
            shape.outputs = [p.alias_or_name for p in select.expressions]
            shape.units = _root_units(scope, specs, outputs_of, bases_of)
            projected = _projection_taints(select, taints)
            shape.key_rules = {k: t.rule for k, t in projected.items() if k not in shape.aggregated}
        else:
            _check_inner_shape(select)
            outputs_of[id(scope)] = _projection_taints(select, taints)
            bases_of[id(scope)] = _unit_bases(scope, specs, bases_of)
    return shape


def _unit_bases(scope: Scope, specs, bases_of) -> set[str]:
    found: set[str] = set()
    for source in scope.sources.values():
        if isinstance(source, exp.Table) and source.name in specs and specs[source.name].unit:
            found.add(source.name)
        elif isinstance(source, Scope):
            found |= bases_of.get(id(source), set())
    return found


def _root_units(scope: Scope, specs, outputs_of, bases_of) -> tuple[tuple[str, str, str], ...]:
    """Where the outermost query's contributors come from: each unit-bearing table's disclosure unit.

    A CTE or derived table must pass its tables' unit fields through unchanged, or contributors could
    not be counted and the output could not be gated (R19.2): refused, fail closed.
    """
    units: list[tuple[str, str, str]] = []
    for alias, source in scope.sources.items():
        if isinstance(source, exp.Table):
            spec = specs.get(source.name)
            if spec is not None and spec.unit:
                units.append((alias, spec.unit, spec.name))
            continue
        for base in sorted(bases_of.get(id(source), set())):
            unit = specs[base].unit
            passed = [name for name, t in outputs_of[id(source)].items() if t.bare == (base, unit)]
            if not passed:
                raise _refuse(
                    "R19.2",
                    f"子查询必须原样输出资源 {base} 的统计单位字段 {unit}，以便输出审查计算贡献者数",
                    f"a CTE or derived table must pass through the disclosure unit {unit} of {base} "
                    "so that the output gate can count contributors",
                )
            units.append((alias, passed[0], base))
    return tuple(units)


def _check_column(col: exp.Column, taint: Taint, select: exp.Select, is_root: bool) -> None:
    clause, agg = _context(col, select)
    passthrough = clause == "select" and not is_root and agg is None
    bare_passthrough = passthrough and isinstance(col.parent, exp.Select | exp.Alias)
    name = col.name
    if taint.rule == FieldRule.IDENTIFIER:
        joined = (
            clause in ("join", "where")
            and isinstance(col.parent, exp.EQ)
            and all(isinstance(side, exp.Column) for side in (col.parent.this, col.parent.expression))
        )
        counted = (
            clause in ("select", "having", "order")
            and isinstance(agg, exp.Count)
            and (col.parent is agg or (isinstance(col.parent, exp.Distinct) and col.parent.parent is agg))
        )
        if not (joined or counted or bare_passthrough):
            raise _refuse(
                "R04.1",
                f"字段 {name} 为直接标识符，只能用于关联或计数，不能输出、分组、筛选或运算",
                f"field {name} is a direct identifier: it may be joined on or counted, never output, "
                "grouped, filtered or transformed",
                field=name,
            )
    elif taint.rule == FieldRule.SENSITIVE:
        aggregated = clause in ("select", "having", "order") and isinstance(agg, MAGNITUDE_AGGS)
        if not (aggregated or passthrough):
            raise _refuse(
                "R04.1",
                f"字段 {name} 为敏感字段，只能在允许的聚合函数（计数、求和、平均、方差）中使用",
                f"field {name} is sensitive: it may only appear inside an allowed aggregate "
                "(count, sum, avg, variance)",
                field=name,
            )


def _check_value_aggregate(agg: exp.Expression, taints: dict[tuple[str, str], Taint]) -> None:
    """min/max return one member's value: only over numeric fields that are neither sensitive nor ids."""
    arg = agg.this
    ok = isinstance(arg, exp.Column) and not agg.expressions
    if ok:
        taint = taints.get((arg.table, arg.name))
        ok = (
            taint is not None
            and taint.rule <= FieldRule.QUASI
            and taint.type is not None
            and taint.type.numeric
        )
    if not ok:
        raise _refuse(
            "R04.1",
            "最小值、最大值只能用于非敏感的数值字段，否则会输出个体的原始值",
            "min/max may only be taken over non-sensitive numeric fields: they return one record's raw value",
        )


def _contains_agg(node: exp.Expression) -> bool:
    return any(isinstance(n, ALLOWED_AGGS) for n in node.walk())


def _check_inner_shape(select: exp.Select) -> None:
    if any(select.args.get(k) for k in ("group", "having", "order", "limit", "offset")) or any(
        _contains_agg(p) for p in select.expressions
    ):
        raise _refuse(
            "R19.1",
            "子查询和公共表表达式只能做逐行的选择、筛选和关联，聚合只能在最外层",
            "CTEs and derived tables may only select, filter and join rows; aggregate in the outermost query",
        )


def _check_root_shape(select: exp.Select) -> set[str]:
    """The outermost SELECT must aggregate; every non-aggregate output must be a GROUP BY key (R04.1)."""
    group = select.args.get("group")
    keys = [g for g in (group.expressions if group else [])]
    if not keys and not any(_contains_agg(p) for p in select.expressions):
        raise _refuse(
            "R04.1",
            "不得输出明细记录：最外层查询必须是聚合统计",
            "record-level output is not allowed: the outermost query must aggregate",
        )
    aggregated = set()
    for p in select.expressions:
        body = p.this if isinstance(p, exp.Alias) else p
        if _contains_agg(body):
            stray = [
                c
                for c in body.find_all(exp.Column)
                if not isinstance(c.find_ancestor(*ALLOWED_AGGS, exp.Filter), (*ALLOWED_AGGS, exp.Filter))
            ]
            if stray and not all(any(c == k for k in keys) for c in stray):
                raise _refuse(
                    "R04.1",
                    "聚合输出中的非聚合字段必须是分组键",
                    "a non-aggregated field in an aggregate output must be a GROUP BY key",
                )
            aggregated.add(p.alias_or_name)
        elif not any(body == k for k in keys):
            raise _refuse(
                "R04.1",
                "不得输出明细记录：非聚合的输出必须是分组键",
                "record-level output is not allowed: every non-aggregated output must be a GROUP BY key",
            )
    return aggregated


def _projection_taints(select: exp.Select, taints: dict[tuple[str, str], Taint]) -> dict[str, Taint]:
    out: dict[str, Taint] = {}
    for p in select.expressions:
        body = p.this if isinstance(p, exp.Alias) else p
        cols = list(body.find_all(exp.Column))
        rule = max((taints[(c.table, c.name)].rule for c in cols), default=FieldRule.PLAIN)
        if isinstance(body, exp.Column):
            src = taints[(body.table, body.name)]
            out[p.alias_or_name] = Taint(rule, src.type, src.bare)
        else:
            out[p.alias_or_name] = Taint(rule, None, None)
    return out


# ---- DuckDB's own parse -----------------------------------------------------------------------------


def check_duckdb_statement(
    sql: str,
    *,
    table_names: frozenset[str],
    cte_names: frozenset[str] = frozenset(),
    extra_functions: frozenset[str] = frozenset(),
    con=None,
) -> None:
    """Ask DuckDB's parser (no execution, no data) what it would run, and check that tree too.

    `con`: a connection of the caller's, opened with external access off, to check several statements.
    """
    import duckdb

    own = con is None
    if own:
        con = duckdb.connect(":memory:", config={"enable_external_access": False})
    try:
        statements = con.extract_statements(sql)
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            raise _scope_refusal()
        raw = con.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchone()[0]
    except duckdb.Error:
        raise _refuse("R19.1", "查询无法解析", "the query cannot be parsed") from None
    finally:
        if own:
            con.close()
    tree = json.loads(raw)
    if tree.get("error") or len(tree.get("statements", [])) != 1:
        raise _scope_refusal()
    allowed_functions = DUCKDB_FUNCTIONS | extra_functions
    allowed_tables = table_names | cte_names
    _walk_duckdb(tree["statements"][0]["node"], allowed_functions, allowed_tables)


def _walk_duckdb(node: object, functions: frozenset[str], tables: frozenset[str]) -> None:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        kind, cls = item.get("type"), item.get("class")
        if cls is not None:
            if cls not in DUCKDB_EXPR_CLASSES:
                raise _scope_refusal()  # SUBQUERY, WINDOW, LAMBDA, PARAMETER, …
            if cls == "FUNCTION" and (
                item.get("schema") or item.get("catalog") or item.get("function_name") not in functions
            ):
                raise _refuse(
                    "R19.1",
                    "查询使用了不在允许清单中的函数",
                    "the query uses a function that is not on the allowlist",
                )
        elif kind in ("SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE"):
            if kind != "SELECT_NODE" or len(item.get("group_sets") or []) > 1:
                raise _scope_refusal()
            if item.get("qualify") or item.get("sample"):
                raise _scope_refusal()
        elif kind is not None and "table_name" in item or kind in ("TABLE_FUNCTION", "EXPRESSION_LIST"):
            if kind != "BASE_TABLE" or item.get("schema_name") or item.get("catalog_name"):
                raise _scope_refusal()
            if (
                item.get("table_name", "").lower() not in tables
                or item.get("at_clause")
                or item.get("sample")
            ):
                raise _scope_refusal()
        elif kind is not None and "alias" in item and "sample" in item and kind not in DUCKDB_TABLE_REFS:
            raise _scope_refusal()  # any other table reference: PIVOT, SHOW, COLUMN_DATA, DELIM_GET …
        stack.extend(v for k, v in item.items() if isinstance(v, dict | list))
