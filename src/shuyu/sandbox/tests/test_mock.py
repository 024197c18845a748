"""Mock data follows the schema and formats without reading a raw value (R04.1)."""

import duckdb

from shuyu.catalog.rules import is_mobile, is_valid_cn_id, is_valid_uscc
from shuyu.sandbox.mock import mock_rows, write_mock_parquet
from shuyu.sandbox.schema import FieldRule, FieldSpec, FieldType, TableSpec, table_spec_from_catalog

from .factories import JOBS, PERSONS


def test_r04_1_mock_identifiers_are_valid_and_code_lists_respected():
    rows = mock_rows(PERSONS, 300, seed=7) + mock_rows(JOBS, 300, seed=7)
    assert all(is_valid_cn_id(r["id_no"]) for r in rows if "id_no" in r)
    assert all(is_valid_uscc(r["uscc"]) for r in rows if "uscc" in r)
    assert {r["sector"] for r in rows} <= {"agri", "industry", "services"}


def test_mock_is_deterministic_and_repeats_units_like_real_registers():
    a, b = mock_rows(PERSONS, 200, seed=1), mock_rows(PERSONS, 200, seed=1)
    assert a == b
    assert len({r["id_no"] for r in a}) < 200  # several rows per person, as in real data


def test_mock_parquet_has_the_specs_types(tmp_path):
    spec = TableSpec(
        "contacts",
        (
            FieldSpec("phone", FieldType.STRING, FieldRule.IDENTIFIER, fmt="mobile"),
            FieldSpec("joined_on", FieldType.DATE),
            FieldSpec("active", FieldType.BOOLEAN),
        ),
    )
    path = write_mock_parquet(spec, tmp_path / "contacts.parquet", rows=50)
    types = [row[1] for row in duckdb.sql(f"DESCRIBE SELECT * FROM '{path}'").fetchall()]
    assert types == ["VARCHAR", "DATE", "BOOLEAN"]
    phones = [r[0] for r in duckdb.sql(f"SELECT phone FROM '{path}'").fetchall()]
    assert all(is_mobile(p) for p in phones)


class _CatalogField:
    def __init__(self, name, sensitivity, type="string", format="", unit=False):
        self.name, self.sensitivity, self.type, self.format = name, sensitivity, type, format
        self.is_disclosure_unit, self.code_list = unit, ()


def test_r19_1_catalog_fields_map_to_rules_and_only_granted_fields_are_kept():
    fields = [
        _CatalogField("id_no", "direct", format="cn_id", unit=True),
        _CatalogField("income", "sensitive", type="decimal"),
        _CatalogField("region", "quasi", format="region"),
        _CatalogField("note", "unknown-label"),
        _CatalogField("secret", "none"),
    ]
    spec = table_spec_from_catalog("persons", fields, granted={"id_no", "income", "region", "note"})
    rules = {f.name: f.rule for f in spec.fields}
    assert rules == {
        "id_no": FieldRule.IDENTIFIER,
        "income": FieldRule.SENSITIVE,
        "region": FieldRule.QUASI,
        "note": FieldRule.IDENTIFIER,  # unknown sensitivity: fail closed
    }
    assert spec.unit == "id_no"
