"""Shared CLI plumbing: Django set-up, the acting person, and printing refusals with their article."""

import functools
import os
import sys

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def setup_django() -> None:
    """Set Django up once per process. A second `django.setup()` would configure logging again, binding
    the console handler to whatever `sys.stderr` is at that moment (in tests, a runner's stream that is
    closed afterwards)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuyu.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def current_actor(token: str | None):
    """The actor behind `--token` or $SHUYU_TOKEN (hashed at rest, revocable; orgs.tokens)."""
    from shuyu.orgs import tokens

    raw = token or os.environ.get("SHUYU_TOKEN")
    if not raw:
        err_console.print("[red]需要令牌：--token 或环境变量 SHUYU_TOKEN / a token is required[/red]")
        raise typer.Exit(2)
    return tokens.actor_for_token(raw)


TokenOpt = typer.Option(None, "--token", envvar="SHUYU_TOKEN", help="API 令牌 / bearer token")


def domain_errors(fn):
    """Print a DomainError as `R16.2 第十六条: 中文 / English` and exit 1; nothing else is swallowed."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from shuyu.core.errors import DomainError

        try:
            return fn(*args, **kwargs)
        except DomainError as e:
            err_console.print(f"[bold red]{e.requirement}[/bold red] {e.article}: {e.zh} / {e.en}")
            sys.exit(1)

    return wrapper
