"""CLI for the working-day calendar: `shuyu calendar …` (N-CAL.1/2)."""

import datetime as dt
import json
from pathlib import Path

import typer

from .common import TokenOpt, console, current_actor, domain_errors

app = typer.Typer(help="工作日日历 / working-day calendar", no_args_is_help=True)


@app.command("load")
@domain_errors
def load(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="某年节假日安排 JSON / a year's schedule"
    ),
    token: str | None = TokenOpt,
) -> None:
    """载入某年国务院办公厅节假日安排（管理员）/ load a year's official holiday schedule (administrator)."""
    from shuyu.core.errors import DomainError
    from shuyu.orgs import services

    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DomainError("N-CAL.1", f"文件不是有效的JSON：{e}", f"the file is not valid JSON: {e}") from None
    row = services.load_holiday_schedule(current_actor(token), data=data)
    console.print(f"已载入 / loaded {row.year}: {row.title}")
    console.print(
        f"放假 {len(row.holidays)} 天 / holidays, 调休上班 {len(row.workdays)} 天 / make-up workdays"
    )


@app.command("show")
@domain_errors
def show(year: int = typer.Argument(..., help="年份 / year"), token: str | None = TokenOpt) -> None:
    """显示某年的安排及来源 / show a year's schedule and which source decides it."""
    from shuyu.api.core import schedule_out

    current_actor(token)
    s = schedule_out(year)
    console.print(f"{year}: 来源 / source = {s['source']}")
    if s["title"]:
        console.print(f"{s['title']} {s['document']}  {s['source_url']}")
    for f in s["festivals"]:
        extra = f"；调休上班 {', '.join(f['workdays'])}" if f["workdays"] else ""
        console.print(f"  {f['name']}: {f['start']} – {f['end']}{extra}")
    if s["working_days"] is not None:
        console.print(f"工作日 / working days: {s['working_days']}")
    else:
        console.print(
            "[red]N-CAL.1 该年安排未载入，日期无法计算 / not loaded: dates in this year cannot be computed[/red]"
        )


@app.command("deadline")
@domain_errors
def deadline(
    date: str = typer.Argument(..., help="事件日期 YYYY-MM-DD / event date"),
    n: int = typer.Argument(10, help="工作日数 / working days"),
) -> None:
    """事件日后第n个工作日 / the n-th working day strictly after a date (N-CAL.2)."""
    from shuyu.core.calendar import add_workdays

    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise typer.BadParameter("YYYY-MM-DD") from None
    if n < 1:
        raise typer.BadParameter("n ≥ 1")
    typer.echo(add_workdays(day, n).isoformat())


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root `shuyu` app."""
    root.add_typer(app, name="calendar")
