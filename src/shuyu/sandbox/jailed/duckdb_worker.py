"""DuckDB worker, run inside the jail: /job/request.json in, /out/result.json or /out/error.json out.

DuckDB's settings are defence in depth here, under the jail: only the projected inputs in /in are
readable, external access is off after the views are made, spilling goes to the jail's tmpfs, memory and
threads are capped, and the configuration is locked before the operator's (already checked) SQL runs.
Errors are reported by class name only: an engine's message can carry row values.
"""

import datetime
import decimal
import json
import sys

sys.path += ["/opt/shuyu", "/opt/site"]  # python -I leaves both out: our helpers, then duckdb

import locked_duckdb  # noqa: E402


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


def main() -> int:
    with open("/job/request.json", encoding="utf-8") as fh:
        request = json.load(fh)
    try:
        con = locked_duckdb.connect(
            tables=request["tables"], memory_limit=request["memory_limit"], threads=request["threads"]
        )
        cursor = con.execute(request["sql"])
        columns = [d[0] for d in cursor.description]
        types = [str(d[1]) for d in cursor.description]
        rows = cursor.fetchmany(int(request["max_rows"]) + 1)
    except Exception as exc:  # report the class only, never the message
        with open("/out/error.json", "w", encoding="utf-8") as fh:
            json.dump({"class": type(exc).__name__}, fh)
        return 3
    with open("/out/result.json", "w", encoding="utf-8") as fh:
        json.dump(
            {
                "columns": columns,
                "types": types,
                "rows": [[_plain(v) for v in row] for row in rows[: int(request["max_rows"])]],
                "truncated": len(rows) > int(request["max_rows"]),
            },
            fh,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
