"""The SDK a Python job imports inside the jail (like SACRO/ACRO's wrappers).

`load(resource)` opens a granted, projected input; `emit_aggregate(...)` and `emit_table(...)` declare an
output: the host recomputes every declared aggregation outside the jail and gates that, never the
numbers written here.
"""

import json
import re
import sys

sys.path.append("/opt/site")

import duckdb  # noqa: E402

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_con = None


def _connection():
    global _con
    if _con is None:
        _con = duckdb.connect(
            ":memory:",
            config={
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
                "temp_directory": "/tmp/duckdb",
                "threads": 1,
            },
        )
    return _con


def load(resource: str):
    """A DuckDB relation over the projected input `resource` (only the granted fields)."""
    if not _NAME.match(resource):
        raise ValueError("bad resource name")
    return _connection().read_parquet(f"/in/{resource}.parquet")


def emit_aggregate(name: str, *, resource: str, group_by: list[str], measures: dict[str, str], rows: list):
    """Declare an aggregate output: group keys, measures ({"alias": "sum:field"}), its source resource."""
    if not _NAME.match(name):
        raise ValueError("bad output name")
    with open(f"/out/{name}.json", "w", encoding="utf-8") as fh:
        json.dump(
            {
                "kind": "aggregate",
                "resource": resource,
                "group_by": group_by,
                "measures": measures,
                "rows": rows,
            },
            fh,
            default=str,
        )


def emit_table(name: str, *, columns: list[str], rows: list):
    """Declare a table output: it is gated as record-level unless it is a declared aggregate."""
    if not _NAME.match(name):
        raise ValueError("bad output name")
    with open(f"/out/{name}.json", "w", encoding="utf-8") as fh:
        json.dump({"kind": "table", "columns": columns, "rows": rows}, fh, default=str)
