"""`shuyu` — the command line. Each domain adds its sub-commands from its own module here."""

import typer

from .common import setup_django

app = typer.Typer(
    help="数域 shuyu — 公共数据资源授权运营平台 / authorized operation of public data", no_args_is_help=True
)


@app.callback()
def _main() -> None:
    setup_django()


@app.command()
def migrate() -> None:
    """创建或升级数据库 / create or upgrade the database."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    typer.echo("数据库已就绪 / database ready")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """启动页面与 API 服务 / serve pages and API."""
    from django.core.management import call_command

    call_command("runserver", f"{host}:{port}", use_reloader=False)


def _register() -> None:
    # Each module owns its commands and adds them through `register(app)`; this list is the only shared line.
    from . import admin, authorization, catalog, core, demo, ledger, ops, orgs, sandbox

    for module in (admin, core, orgs, ledger, catalog, authorization, sandbox, ops, demo):
        module.register(app)


_register()
