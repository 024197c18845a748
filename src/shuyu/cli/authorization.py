"""CLI for `shuyu plan …`, `shuyu agreement …`, `shuyu deadlines`."""

import typer


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root `shuyu` app."""
