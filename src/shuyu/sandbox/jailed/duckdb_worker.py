"""DuckDB worker, run inside the jail: /job/request.json in, /out/result.json or /out/error.json out.

DuckDB's settings are defence in depth here, under the jail: only the projected inputs in /in are
readable, external access is off after the views are made, spilling goes to the jail's tmpfs, memory and
threads are capped, and the configuration is locked before the operator's (already checked) SQL runs.
Errors are reported by class name only: an engine's message can carry row values.

For the output gate (gate/rewrite.py) the request may also carry, all checked by the host's policy:
`unit_checks` (each must return 0, or the run fails), `prepare` (temporary tables, made before the
result), and `populations` (written as Parquet through the jail's /tmp, then copied to /out; if that
fails the file is simply missing and the host treats those populations as unknown).
"""

import datetime
import decimal
import json
import os
import re
import shutil
import sys
import time

STARTED = time.perf_counter()

sys.path += ["/opt/shuyu", "/opt/site"]  # python -I leaves both out: our helpers, then duckdb

import locked_duckdb  # noqa: E402

IMPORTED = time.perf_counter()

_TEMP_TABLE = re.compile(r"^__[cs][0-9]{1,3}$")
_FILE = re.compile(r"^populations[0-9]{1,3}\.parquet$")


class UnitKeyMismatch(Exception):
    """The keyed projection was not made with this run's key."""


def _plain(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _write_populations(con, populations) -> None:
    os.makedirs("/tmp/duckdb", exist_ok=True)
    for name, selects in populations:
        if not _FILE.match(name):
            raise ValueError("bad population file name")
        staged = f"/tmp/duckdb/{name}"
        try:
            con.execute(f"COPY ({' UNION ALL '.join(selects)}) TO '{staged}' (FORMAT parquet)")
            shutil.copyfile(staged, f"/out/{name}")
        except Exception:  # noqa: BLE001 — missing populations are unknown to the host: it asks for review
            if os.path.exists(f"/out/{name}"):
                os.unlink(f"/out/{name}")
        finally:
            if os.path.exists(staged):
                os.unlink(staged)


def main() -> int:
    with open("/job/request.json", encoding="utf-8") as fh:
        request = json.load(fh)
    seconds = {"import": IMPORTED - STARTED}  # phases, for the benchmark's breakdown (no data)
    mark = time.perf_counter()
    try:
        con = locked_duckdb.connect(
            tables=request["tables"],
            memory_limit=request["memory_limit"],
            threads=request["threads"],
            unit_tables=request.get("unit_tables", []),
        )
        for sql in request.get("unit_checks", []):
            if con.execute(sql).fetchone()[0] != 0:
                raise UnitKeyMismatch
        seconds["connect"], mark = time.perf_counter() - mark, time.perf_counter()
        for name, sql, numbered in request.get("prepare", []):
            if not _TEMP_TABLE.match(name):
                raise ValueError("bad temporary table name")
            if numbered:
                sql = f"SELECT (row_number() OVER ()) - 1 AS __id, * FROM ({sql})"
            con.execute(f"CREATE TEMP TABLE {name} AS {sql}")
            seconds[name], mark = time.perf_counter() - mark, time.perf_counter()
        cursor = con.execute(request["sql"])
        columns = [d[0] for d in cursor.description]
        types = [str(d[1]) for d in cursor.description]
        rows = cursor.fetchmany(int(request["max_rows"]) + 1)
        seconds["result"], mark = time.perf_counter() - mark, time.perf_counter()
    except Exception as exc:  # report the class only, never the message
        with open("/out/error.json", "w", encoding="utf-8") as fh:
            json.dump({"class": type(exc).__name__}, fh)
        return 3
    _write_populations(con, request.get("populations", []))
    seconds["populations"] = time.perf_counter() - mark
    with open("/out/result.json", "w", encoding="utf-8") as fh:
        json.dump(
            {
                "columns": columns,
                "types": types,
                "rows": [[_plain(v) for v in row] for row in rows[: int(request["max_rows"])]],
                "truncated": len(rows) > int(request["max_rows"]),
                "seconds": seconds,
            },
            fh,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
