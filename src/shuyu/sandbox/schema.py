"""What the sandbox knows about a table a job may read: its fields, their rule and the disclosure unit.

Pure values (no ORM): the workspace builds them from the agreement's scope and the catalog's field
classification; the SQL policy, the gate and the mock-data generator take them as plain input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class FieldRule(IntEnum):
    """How a field may be used; a larger value is stricter, so "the strictest rule wins" is `max`."""

    PLAIN = 0  # may be projected, grouped, filtered
    QUASI = 1  # quasi-identifier: as PLAIN, but the gate checks combinations (R19.2, R23.5)
    SENSITIVE = 2  # only inside an allowed aggregate (R04.1)
    IDENTIFIER = 3  # direct identifier: joined on or counted, never projected (R04.1)


class FieldType(IntEnum):
    INTEGER = 0
    DECIMAL = 1
    FLOAT = 2
    STRING = 3
    DATE = 4
    BOOLEAN = 5

    @property
    def numeric(self) -> bool:
        return self in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.FLOAT)

    @property
    def sql(self) -> str:
        return {
            FieldType.INTEGER: "BIGINT",
            FieldType.DECIMAL: "DECIMAL(18,2)",
            FieldType.FLOAT: "DOUBLE",
            FieldType.STRING: "VARCHAR",
            FieldType.DATE: "DATE",
            FieldType.BOOLEAN: "BOOLEAN",
        }[self]


@dataclass(frozen=True)
class FieldSpec:
    """One granted field of a resource. `code_list` and `fmt` feed mock data (never raw values)."""

    name: str
    type: FieldType
    rule: FieldRule = FieldRule.PLAIN
    fmt: str = ""  # the catalog's format: "cn_id", "uscc", "mobile", "region", "code_list" — not a value
    code_list: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"field name must match {_NAME.pattern}: {self.name!r}")


@dataclass(frozen=True)
class TableSpec:
    """A projected resource as the job sees it: table name, granted fields, disclosure unit.

    `unit` names the field whose distinct values are the contributors (persons, enterprises) the gate
    counts; None means a reference table with no personal or enterprise records (code lists).
    """

    name: str
    fields: tuple[FieldSpec, ...]
    unit: str | None = None
    resource_code: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"table name must match {_NAME.pattern}: {self.name!r}")
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError("duplicate field names")
        if self.unit is not None and self.unit not in names:
            raise ValueError("the disclosure unit must be a granted field")

    def field(self, name: str) -> FieldSpec | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None


_RULES = {
    "direct": FieldRule.IDENTIFIER,
    "quasi": FieldRule.QUASI,
    "sensitive": FieldRule.SENSITIVE,
    "none": FieldRule.PLAIN,
}
_TYPES = {
    "string": FieldType.STRING,
    "integer": FieldType.INTEGER,
    "decimal": FieldType.DECIMAL,
    "date": FieldType.DATE,
    "datetime": FieldType.DATE,  # TODO(#6): a TIMESTAMP type once a resource needs one
    "boolean": FieldType.BOOLEAN,
}


def table_spec_from_catalog(
    name: str, fields, *, granted: set[str] | None = None, resource_code: str = ""
) -> TableSpec:
    """Build a TableSpec from the catalog's field declarations (`catalog.rules.FieldSpec`-like objects).

    Only `granted` fields are kept (the agreement's scope, R19.1). An unknown sensitivity is treated as a
    direct identifier: fail closed. The disclosure unit must be granted, or no output can be gated.
    """
    kept, unit = [], None
    for f in fields:
        if granted is not None and f.name.lower() not in granted:
            continue
        rule = _RULES.get(getattr(f, "sensitivity", "direct"), FieldRule.IDENTIFIER)
        kept.append(
            FieldSpec(
                name=f.name.lower(),
                type=_TYPES.get(getattr(f, "type", "string"), FieldType.STRING),
                rule=rule,
                fmt=getattr(f, "format", "") or "",
                code_list=tuple(getattr(f, "code_list", ()) or ()),
            )
        )
        if getattr(f, "is_disclosure_unit", False):
            unit = f.name.lower()
    return TableSpec(name=name, fields=tuple(kept), unit=unit, resource_code=resource_code)


def specs_from_json(data: dict) -> list[TableSpec]:
    """Table specs from a schema document (as the workspace will hand to mock and policy tools).

    {"tables": [{"name": "persons", "unit": "id_no", "resource_code": "…",
                 "fields": [{"name": "id_no", "type": "string", "rule": "identifier", "fmt": "cn_id"}, …]}]}
    """
    rules = {r.name.lower(): r for r in FieldRule}
    types = {t.name.lower(): t for t in FieldType}
    specs = []
    for table in data.get("tables", []):
        fields = tuple(
            FieldSpec(
                name=f["name"],
                type=types[f.get("type", "string")],
                rule=rules[f.get("rule", "identifier")],  # undeclared: the strictest rule
                fmt=f.get("fmt", ""),
                code_list=tuple(f.get("code_list", ())),
            )
            for f in table["fields"]
        )
        specs.append(TableSpec(table["name"], fields, table.get("unit"), table.get("resource_code", "")))
    return specs
