"""Running checked work in the jail and reading back only what is safe (R04.1, R18.1, R19.1).

- `project_parquet` makes the per-agreement projected input: a new Parquet file with only the granted
  fields (a view that hides columns is not a boundary).
- `run_sql` runs a `CheckedQuery` in the DuckDB worker inside the jail.
- `run_python` runs an operator's script inside the jail.
- Failures become `DomainError`s with a coded class and a fixed message; an engine's or a job's own text
  (it can carry row values) is never passed on. `operator_log` is the only view of a job's logs.
"""

from __future__ import annotations

import builtins
import json
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shuyu.core.errors import DomainError

from . import jail
from .schema import TableSpec
from .sqlpolicy import CheckedQuery

MAX_RESULT_ROWS = 100_000

# DuckDB exception classes the operator may see (by code only). Anything else is "engine_error".
_ENGINE_CODES = {
    "OutOfMemoryException": "out_of_memory",
    "InterruptException": "interrupted",
    "ConversionException": "conversion",
    "InvalidInputException": "invalid_input",
    "BinderException": "binder",
    "CatalogException": "catalog",
    "ParserException": "parser",
    "OutOfRangeException": "out_of_range",
    "PermissionException": "permission",
    "IOException": "io",
}
_BUILTIN_EXCEPTIONS = frozenset(
    name
    for name in dir(builtins)
    if isinstance(getattr(builtins, name), type) and name.endswith(("Error", "Exception"))
) | {"KeyboardInterrupt", "SystemExit", "StopIteration"}


@dataclass(frozen=True)
class QueryResult:
    """Rows as the engine returned them, inside the domain: they go to the gate, not to the operator."""

    columns: list[str]
    types: list[str]
    rows: list[list]
    truncated: bool
    seconds: dict[str, float] = field(default_factory=dict)  # the worker's phases (benchmarks only)


def project_parquet(source: Path | Sequence[Path], spec: TableSpec, dest: Path) -> Path:
    """Write only the granted fields of `source` (one file or a version's parts) to `dest` (host side)."""
    import duckdb

    fields = ", ".join(f'"{f.name}"' for f in spec.fields)  # names validated by FieldSpec
    dest.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        ":memory:", config={"autoload_known_extensions": False, "autoinstall_known_extensions": False}
    )
    # Written under a private name and renamed: a concurrent worker never sees a partial file.
    partial = dest.with_name(f".{dest.name}.{secrets.token_hex(8)}.partial")
    try:
        con.execute(
            f"COPY (SELECT {fields} FROM read_parquet(?)) TO '{_quote_path(partial)}' (FORMAT parquet)",
            [str(source) if isinstance(source, str | Path) else [str(p) for p in source]],
        )
        jail.restrict_to_jail(partial)  # readable by the jail's group only, never by other host accounts
        os.replace(partial, dest)
    finally:
        con.close()
        partial.unlink(missing_ok=True)
    return dest


def _quote_path(path: Path) -> str:
    text = str(path)
    if "'" in text or "\x00" in text:
        raise ValueError("unsafe path")
    return text


def _refuse_run(code: str, zh: str, en: str) -> DomainError:
    return DomainError("R18.1", zh, en, code=code)


def run_sql(
    checked: CheckedQuery,
    *,
    inputs: Mapping[str, Path],
    limits: jail.Limits,
    max_rows: int = MAX_RESULT_ROWS,
    workroot: Path | None = None,
) -> QueryResult:
    """Run a checked query (or the gate's rewrite of one) in the jailed DuckDB worker."""
    missing = checked.tables - set(inputs)
    if missing:
        raise DomainError(
            "R19.1", "查询引用的资源不在本工作区", "the query reads a resource outside this workspace"
        )
    result, _files = _run_worker(
        checked.sql, tables=checked.tables, inputs=inputs, limits=limits, max_rows=max_rows, workroot=workroot
    )
    return result


def run_gate_sql(
    sql: str,
    *,
    tables: frozenset[str],
    inputs: Mapping[str, Path],
    keyed_inputs: Mapping[str, Path],
    prepare: Sequence[tuple[str, str, bool]],
    unit_checks: Sequence[str],
    populations: Sequence[tuple[str, Sequence[str]]],
    limits: jail.Limits,
    max_rows: int = MAX_RESULT_ROWS,
    workroot: Path | None = None,
) -> tuple[QueryResult, dict[str, bytes]]:
    """Run the gate's statistics statements (gate/rewrite.py, already checked) in the jailed worker.

    `keyed_inputs`: per table, the gate's keyed projection (with `__unit`), used instead of the plain
    one; the operator's part of the statement sees it without the key. Returns the result and the
    population files (bytes, untrusted: parsed by `gate.populations` only).
    """
    missing = set(keyed_inputs) - set(tables)
    if missing:
        raise ValueError("a keyed input for a table the query does not read")
    return _run_worker(
        sql,
        tables=tables,
        inputs=inputs,
        limits=limits,
        max_rows=max_rows,
        workroot=workroot,
        extra={
            "unit_tables": sorted(keyed_inputs),
            "unit_checks": list(unit_checks),
            "prepare": [list(p) for p in prepare],
            "populations": [[name, list(selects)] for name, selects in populations],
        },
        keyed_inputs=keyed_inputs,
    )


def _run_worker(
    sql: str,
    *,
    tables: frozenset[str],
    inputs: Mapping[str, Path],
    limits: jail.Limits,
    max_rows: int,
    workroot: Path | None,
    extra: Mapping | None = None,
    keyed_inputs: Mapping[str, Path] | None = None,
) -> tuple[QueryResult, dict[str, bytes]]:
    missing = tables - set(inputs)
    if missing:
        raise DomainError(
            "R19.1", "查询引用的资源不在本工作区", "the query reads a resource outside this workspace"
        )
    keyed = dict(keyed_inputs or {})
    request = {
        "sql": sql,
        "tables": sorted(tables),
        "memory_limit": limits.duckdb_memory,
        "threads": limits.duckdb_threads,
        "max_rows": max_rows,
        **(extra or {}),
    }
    files = {f"{name}.parquet": Path(inputs[name]) for name in tables if name not in keyed}
    files.update({f"{name}.units.parquet": Path(path) for name, path in keyed.items()})
    result = jail.run(
        "duckdb_worker.py",
        inputs=files,
        job_files={"request.json": json.dumps(request).encode()},
        limits=limits,
        output_kinds=frozenset({".json", ".parquet"}) if extra else frozenset({".json"}),
        workroot=workroot,
    )
    if result.timed_out:
        raise _refuse_run(
            "timeout", "作业超过时间限制，已终止", "the job exceeded its time limit and was stopped"
        )
    if "error.json" in result.files:
        code = _engine_code(result.files["error.json"])
        if code == "out_of_memory":
            raise _refuse_run(
                code, "作业超过内存限制，已终止", "the job exceeded its memory limit and was stopped"
            )
        raise _refuse_run(code, f"查询执行失败（{code}）", f"the query failed ({code})")
    if result.returncode != 0 or "result.json" not in result.files:
        raise _refuse_run(
            "killed", "作业异常终止（资源限制）", "the job was stopped (a resource limit was reached)"
        )
    try:
        payload = json.loads(result.files["result.json"])
        query = QueryResult(
            columns=[str(c) for c in payload["columns"]],
            types=[str(t) for t in payload["types"]],
            rows=[list(r) for r in payload["rows"]],
            truncated=bool(payload["truncated"]),
            seconds={str(k): float(v) for k, v in dict(payload.get("seconds") or {}).items()},
        )
    except (ValueError, KeyError, TypeError):
        raise _refuse_run("malformed", "作业结果格式无效", "the job's result is malformed") from None
    return query, {name: data for name, data in result.files.items() if name.endswith(".parquet")}


def _engine_code(raw: bytes) -> str:
    try:
        name = json.loads(raw).get("class", "")
    except (ValueError, AttributeError):
        return "engine_error"
    return _ENGINE_CODES.get(name, "engine_error")


@dataclass(frozen=True)
class PythonRun:
    """A Python job's run: the collected (untrusted) output files and a redacted status."""

    files: dict[str, bytes]
    rejected: int
    status: str  # "ok" | "timeout" | "killed" | "error"
    log: str  # safe for the operator: status and, at most, a builtin exception class


def run_python(
    code: bytes,
    *,
    inputs: Mapping[str, Path],
    limits: jail.Limits,
    workroot: Path | None = None,
) -> tuple[PythonRun, jail.JailResult]:
    """Run an operator's script in the jail. The raw `JailResult` stays in the domain (audit only)."""
    result = jail.run(
        "pyrunner.py",
        inputs={f"{name}.parquet": Path(path) for name, path in inputs.items()},
        job_files={"main.py": code},
        limits=limits,
        workroot=workroot,
    )
    if result.timed_out:
        status = "timeout"
    elif result.returncode == 0:
        status = "ok"
    elif result.killed:
        status = "killed"
    else:
        status = "error"
    return PythonRun(result.files, result.rejected, status, operator_log(result)), result


_LAST_LINE = re.compile(rb"^([A-Za-z_][A-Za-z0-9_]{0,80})(?::|$)")


def operator_log(result: jail.JailResult) -> str:
    """What an operator may see of a job's logs: the status and a builtin exception class, no text.

    A traceback, a print or an exception message can carry a record, and so can an exception class the
    job defines itself; only Python's builtin class names are passed on.
    """
    if result.timed_out:
        return "timeout: 作业超过时间限制 / time limit exceeded"
    if result.returncode == 0:
        return "ok"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    name = "error"
    if lines:
        match = _LAST_LINE.match(lines[-1])
        if match and match.group(1).decode() in _BUILTIN_EXCEPTIONS:
            name = match.group(1).decode()
    if result.killed:
        return "killed: 资源限制 / resource limit reached"
    return f"error: {name}（输出已隐去 / output redacted）"


def run_dp(
    sql: str,
    *,
    table: str,
    cells: Sequence[Sequence[str]],
    parts: Sequence[Mapping],
    inputs: Mapping[str, Path],
    limits: jail.Limits,
    workroot: Path | None = None,
) -> dict[str, list[int]]:
    """Run a DP aggregate (from `dp.aggregate_sql`) in the jail; only the noised vectors come back (R18.2)."""
    if table not in inputs:
        raise DomainError(
            "R19.1", "查询引用的资源不在本工作区", "the query reads a resource outside this workspace"
        )
    request = {
        "sql": sql,
        "tables": [table],
        "memory_limit": limits.duckdb_memory,
        "threads": limits.duckdb_threads,
        "key_width": len(cells[0]) if cells else 0,
        "cells": [list(c) for c in cells],
        "parts": [dict(p) for p in parts],
    }
    result = jail.run(
        "dp_worker.py",
        inputs={f"{table}.parquet": Path(inputs[table])},
        job_files={"request.json": json.dumps(request).encode()},
        limits=limits,
        workroot=workroot,
    )
    if result.timed_out:
        raise _refuse_run(
            "timeout", "作业超过时间限制，已终止", "the job exceeded its time limit and was stopped"
        )
    if "error.json" in result.files:
        code = _engine_code(result.files["error.json"])
        raise _refuse_run(code, f"差分隐私查询执行失败（{code}）", f"the DP query failed ({code})")
    if result.returncode != 0 or "result.json" not in result.files:
        raise _refuse_run(
            "killed", "作业异常终止（资源限制）", "the job was stopped (a resource limit was reached)"
        )
    try:
        noisy = json.loads(result.files["result.json"])["noisy"]
        out = {str(name): [int(v) for v in noisy[str(p["name"])]] for p in parts for name in [p["name"]]}
    except (ValueError, KeyError, TypeError):
        raise _refuse_run("malformed", "作业结果格式无效", "the job's result is malformed") from None
    if any(len(v) != len(cells) for v in out.values()):
        raise _refuse_run("malformed", "作业结果格式无效", "the job's result is malformed")
    return out
