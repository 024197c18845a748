"""关联汇聚风险 (R23.5): a job that combines data is scored inside the domain before it runs.

第二十三条 asks the environment to control the risk that combining data (关联汇聚) singles people or
enterprises out. A SQL job *combines* when it reads resources of different data source units (数源单位) or
uses two or more quasi-identifiers together. Such a job is scored in the jail, on the same projected inputs
it will read: the share of records that are unique on the combined quasi-identifiers over the query's own
FROM/JOIN/WHERE. Above the threshold (default 5 %), the implementing agency's prior approval is needed
before the job runs. Fail closed: a query whose combined records cannot be scored needs approval too.

Pure functions (no ORM, no settings): the services give them the checked query, the table specs and the
provider of each table, and run the built scoring query through the jailed DuckDB worker. Only two counts
ever leave the jail (unique records, all records) — never a value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlglot import exp

from shuyu.core.errors import DomainError

from .schema import FieldRule, TableSpec
from .sqlpolicy import CheckedQuery

DEFAULT_MAX_UNIQUE_SHARE = 0.05  # above this share of unique records, prior approval (R23.5)
MIN_QUASI_TO_COMBINE = 2
MIN_SCORED_RECORDS = 10  # the gate's default minimum of contributors: fewer records are always held


@dataclass(frozen=True)
class Combination:
    """Why a job combines data: the data source units it spans and the quasi-identifiers it uses."""

    providers: tuple[str, ...]  # distinct data source units of the tables read
    quasi: tuple[tuple[str, str], ...]  # (table, field) quasi-identifiers the query names

    @property
    def cross_provider(self) -> bool:
        return len(self.providers) > 1

    @property
    def combines_quasi(self) -> bool:
        return len(self.quasi) >= MIN_QUASI_TO_COMBINE

    def as_facts(self) -> dict:
        return {
            "providers": list(self.providers),
            "quasi": [f"{t}.{f}" for t, f in self.quasi],
            "cross_provider": self.cross_provider,
            "combines_quasi": self.combines_quasi,
        }


def combination(
    checked: CheckedQuery, specs: Sequence[TableSpec], provider_of: Mapping[str, str]
) -> Combination | None:
    """The combination a query makes, or None when it reads one unit's data with < 2 quasi-identifiers.

    Quasi-identifiers are matched by name anywhere in the query (select, join, where, group): an
    over-approximation, so a query is never scored *less* strictly than it is.
    """
    by_name = {t.name: t for t in specs}
    tables = sorted(checked.tables)
    named = {c.name.lower() for c in checked.tree.find_all(exp.Column)}
    quasi = tuple(
        sorted(
            (t, f.name)
            for t in tables
            if t in by_name
            for f in by_name[t].fields
            if f.rule == FieldRule.QUASI and f.name in named
        )
    )
    providers = tuple(sorted({provider_of.get(t, f"unknown:{t}") for t in tables}))
    found = Combination(providers, quasi)
    if not (found.cross_provider or found.combines_quasi):
        return None
    return found


def scoring_sql(checked: CheckedQuery, combo: Combination) -> str | None:
    """The in-domain scoring query: `SELECT unique_records, records` over the query's own relation.

    Built from the outermost SELECT's FROM, JOINs and WHERE (never its projections, groups or limits);
    returns None when that relation is not made of base tables only (CTEs, subqueries): fail closed.
    """
    root = checked.tree
    sources = [root.args.get("from_")] + list(root.args.get("joins") or [])
    aliases: dict[str, str] = {}
    for source in sources:
        if source is None:
            return None
        node = source.this
        if not isinstance(node, exp.Table) or node.name not in checked.tables:
            return None
        aliases[node.alias_or_name.lower()] = node.name
    wanted = set(combo.quasi)
    columns = []
    for alias, table in sorted(aliases.items()):
        for t, f in sorted(wanted):
            if t == table:
                columns.append(exp.column(f, table=alias))
    if not columns:
        return "SELECT 0 AS unique_records, 0 AS records"
    relation = exp.Select(
        expressions=[col.as_(f"q{i}") for i, col in enumerate(columns)],
    )
    for key in ("with_", "from_", "where"):
        if root.args.get(key) is not None:
            relation.set(key, root.args[key].copy())
    if root.args.get("joins"):
        relation.set("joins", [j.copy() for j in root.args["joins"]])
    keys = ", ".join(f"q{i}" for i in range(len(columns)))
    inner = relation.sql(dialect="duckdb")
    return (
        f"WITH r AS ({inner}), g AS (SELECT count(*) AS c FROM r GROUP BY {keys}) "
        "SELECT coalesce(sum(c) FILTER (WHERE c = 1), 0) AS unique_records, "
        "coalesce(sum(c), 0) AS records FROM g"
    )


REVIEWER_ONLY_FACTS = frozenset({"score", "records", "scored"})  # data-derived: the agency sees them


def visible_facts(facts: dict, *, reviewer: bool) -> dict:
    """What of a job's association facts an actor sees: the operator never sees data-derived numbers."""
    if reviewer:
        return dict(facts)
    return {k: v for k, v in facts.items() if k not in REVIEWER_ONLY_FACTS}


def unique_share(unique_records: int, records: int) -> float:
    return 0.0 if records <= 0 else unique_records / records


def needs_prior_approval(
    score: float | None, threshold: float = DEFAULT_MAX_UNIQUE_SHARE, *, records: int | None = None
) -> bool:
    """Above the threshold, not scorable (None), or scored over too few records: approval first (R23.5).

    A relation narrowed to a handful of records (e.g. `WHERE id_no = …`) would turn the held / not-held
    outcome into a yes/no answer about those records; under `MIN_SCORED_RECORDS` the job is always held,
    so the outcome carries no such bit.
    """
    if records is not None and records < MIN_SCORED_RECORDS:
        return True
    return score is None or score > threshold


def check_association_decider(*, submitter_person_id: int, decider_person_id: int | None) -> None:
    """The submitter never approves its own job's combination (四眼原则 applied to R23.5)."""
    if decider_person_id is None or decider_person_id == submitter_person_id:
        raise DomainError(
            "R23.5",
            "提交人不得审批本人作业的关联汇聚风险",
            "the submitter may not approve the association risk of its own job",
        )


def check_awaits_approval(status: str) -> None:
    if status != "approval":
        raise DomainError(
            "R23.5",
            "只有待事前审批的作业可以审批，审批结果不可更改",
            "only a job awaiting prior approval can be decided; decisions are final",
        )
