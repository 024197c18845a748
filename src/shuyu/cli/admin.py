"""`shuyu admin …`: bootstrap the first platform administrator."""

import typer

from .common import console, domain_errors

app = typer.Typer(help="平台管理 / platform administration", no_args_is_help=True)


@app.command("create")
@domain_errors
def create(
    username: str = typer.Option(..., prompt="用户名 / username"),
    password: str = typer.Option(..., prompt="密码 / password", hide_input=True, confirmation_prompt=True),
) -> None:
    """创建首个平台管理员 / create the first administrator (refused once one exists)."""
    from shuyu.orgs import services

    person = services.bootstrap_admin(username=username, password=password)
    console.print(f"已创建管理员 / administrator created: {username} ({person.organization.name})")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="admin")
