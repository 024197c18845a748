"""`shuyu demo …`: seed and describe the demo scenario."""

import typer

from .common import console

app = typer.Typer(help="演示数据 / demo scenario", no_args_is_help=True)


@app.command("seed")
def seed() -> None:
    """植入演示场景（幂等）/ seed the demo scenario (idempotent)."""
    from shuyu.demo import scenario

    created = scenario.seed()
    console.print("演示场景已植入 / demo seeded" if created else "演示场景已存在 / demo already seeded")


@app.command("accounts")
def accounts() -> None:
    """列出演示账户 / list the demo accounts."""
    from shuyu.demo import scenario

    for username, password, who in scenario.ACCOUNTS:
        console.print(f"  {username:<14} {password:<14} {who}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="demo")
