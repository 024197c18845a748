"""`shuyu sweep`: the periodic sweeps once (for cron); `shuyu worker` also runs them every 10 minutes."""

import typer

from .common import console, err_console


def sweep() -> None:
    """运行定时任务一次（协议期满、登记失效、作业超时、审查超期、签署检查点）/ run the periodic sweeps once."""
    from .common import setup_django

    setup_django()
    from shuyu.ops import sweeps

    report = sweeps.run_once()
    for name, n in report.counts.items():
        console.print(f"{name}\t{n}")
    if report.failed:
        err_console.print(f"[bold red]失败 / failed[/bold red]: {', '.join(report.failed)}")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("sweep")(sweep)
