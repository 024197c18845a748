"""Mock data for development outside the domain: rows that follow a resource's schema, never its values.

The generator takes only a `TableSpec` (field names, types, formats, code lists) and a seed: it has no
access to the vault, so it cannot leak a raw value by construction. ID numbers carry a valid GB 11643
check character and a real birth date, USCCs a valid GB 32100 check character, mobile numbers a valid
prefix, region codes are Sichuan districts, code-list fields draw from the declared list. The same
(spec, rows, seed) always gives the same file.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import tempfile
from decimal import Decimal
from pathlib import Path

from shuyu.catalog.rules import cn_id_check_char
from shuyu.orgs.rules import USCC_CHARSET, uscc_check_char

from .schema import FieldSpec, FieldType, TableSpec

DISTRICTS = ("510104", "510105", "510106", "510107", "510108", "510112", "510113", "510114", "510115", "510116",
             "510117", "510121", "510181", "510302", "510402", "510502", "510603", "510703", "510802", "511002")  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
MAX_MOCK_ROWS = 1_000_000


def _cn_id(rng: random.Random) -> str:
    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(30_000))
    body = f"{rng.choice(DISTRICTS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + cn_id_check_char(body)


def _uscc(rng: random.Random) -> str:
    body = "91" + rng.choice(DISTRICTS) + "".join(rng.choice(USCC_CHARSET) for _ in range(9))
    return body + uscc_check_char(body)


def _value(field: FieldSpec, rng: random.Random, i: int):
    if field.code_list:
        return rng.choice(field.code_list)
    fmt = field.fmt
    if fmt == "cn_id":
        return _cn_id(rng)
    if fmt == "uscc":
        return _uscc(rng)
    if fmt == "mobile":
        return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    if fmt == "region":
        return rng.choice(DISTRICTS)
    if field.type == FieldType.INTEGER:
        return rng.randrange(0, 100)
    if field.type in (FieldType.DECIMAL, FieldType.FLOAT):
        return str(Decimal(rng.randrange(0, 10_000_000)) / 100)
    if field.type == FieldType.DATE:
        return (datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randrange(9000))).isoformat()
    if field.type == FieldType.BOOLEAN:
        return rng.random() < 0.5
    if "name" in field.name:
        return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
    return f"{field.name}-{i:06d}"


def mock_rows(spec: TableSpec, rows: int, *, seed: int = 0) -> list[dict]:
    """Synthetic rows for `spec` (a few units repeat, as real registers have several rows per person)."""
    if not 0 < rows <= MAX_MOCK_ROWS:
        raise ValueError(f"rows must be 1..{MAX_MOCK_ROWS}")
    rng = random.Random(f"{spec.name}:{seed}")
    units: list = []
    out = []
    for i in range(rows):
        row = {f.name: _value(f, rng, i) for f in spec.fields}
        if spec.unit and units and rng.random() < 0.2:
            row[spec.unit] = rng.choice(units)  # repeat a unit: contributors are not rows
        elif spec.unit:
            units.append(row[spec.unit])
        out.append(row)
    return out


def write_mock_parquet(spec: TableSpec, dest: Path, *, rows: int = 1000, seed: int = 0) -> Path:
    """Write mock rows for `spec` to a Parquet file with the spec's column types."""
    import duckdb

    data = mock_rows(spec, rows, seed=seed)
    dest.parent.mkdir(parents=True, exist_ok=True)
    columns = {f.name: f.type.sql for f in spec.fields}
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        for row in data:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        source = fh.name
    try:
        con = duckdb.connect(":memory:")
        try:
            rel = con.read_json(source, columns=columns, format="newline_delimited")
            rel.write_parquet(str(dest))
        finally:
            con.close()
    finally:
        os.unlink(source)
    return dest
