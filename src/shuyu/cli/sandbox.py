"""`shuyu sandbox …`: check the jail, lint a query against a schema, make mock data (R19.1, R04.1).

These commands need no data: `check-sql` and `mock` work from a schema document outside the domain, so
an operator writes and tests queries against mock data before submitting them.
"""

import json
from pathlib import Path

import typer

from .common import console, domain_errors, err_console

app = typer.Typer(help="安全开发环境 / secure development environment", no_args_is_help=True)

SchemaOpt = typer.Option(..., "--schema", help="表结构 JSON / schema document (tables, fields, rules)")


def _specs(schema: Path):
    from shuyu.sandbox.schema import specs_from_json

    try:
        return specs_from_json(json.loads(schema.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError, OSError) as exc:
        err_console.print(f"[red]表结构文件无效 / invalid schema document: {type(exc).__name__}[/red]")
        raise typer.Exit(2) from None


@app.command("check-sql")
@domain_errors
def check_sql(
    query: Path = typer.Argument(..., help="SQL 文件 / query file"), schema: Path = SchemaOpt
) -> None:
    """按工作区规则检查查询 / check a query against the SQL policy (no data is read)."""
    from shuyu.sandbox import sqlpolicy

    checked = sqlpolicy.check_sql(query.read_text(encoding="utf-8"), _specs(schema))
    console.print("[green]通过 / allowed[/green]")
    console.print(checked.sql)


@app.command("mock")
@domain_errors
def mock(
    table: str = typer.Option(..., "--table", help="表名 / table name"),
    schema: Path = SchemaOpt,
    rows: int = typer.Option(1000, "--rows"),
    seed: int = typer.Option(0, "--seed"),
    output: Path = typer.Option(..., "-o", "--output", help="Parquet 文件 / output file"),
) -> None:
    """生成模拟数据 / write mock rows that follow the schema (never a raw value)."""
    from shuyu.sandbox.mock import write_mock_parquet

    specs = {s.name: s for s in _specs(schema)}
    if table not in specs:
        err_console.print("[red]表不在表结构中 / table not in schema[/red]")
        raise typer.Exit(2)
    write_mock_parquet(specs[table], output, rows=rows, seed=seed)
    console.print(f"{rows} 行模拟数据 / mock rows → {output}")


@app.command("jail-check")
def jail_check() -> None:
    """检查隔离环境是否可用 / check that the bubblewrap jail works on this machine."""
    from shuyu.sandbox import engine, jail

    try:
        jail.check_available()
        run, _ = engine.run_python(
            b"import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=1)\n"
            b"    raise SystemExit(9)\nexcept OSError:\n    pass\n",
            inputs={},
            limits=jail.Limits(wall_seconds=20),
        )
    except jail.JailUnavailable as exc:
        err_console.print(f"[red]隔离环境不可用 / jail unavailable: {exc}[/red]")
        raise typer.Exit(1) from None
    if run.status != "ok":
        err_console.print(f"[red]隔离环境自检失败 / jail self-test failed: {run.log}[/red]")
        raise typer.Exit(1)
    console.print(
        "[green]隔离环境可用：无网络、独立用户、只读根 / jail ok: no network, own uid, read-only root[/green]"
    )


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root `shuyu` app."""
    root.add_typer(app, name="sandbox")
