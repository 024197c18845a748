"""CLI for working-day calendar: `shuyu calendar …`."""

import typer


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root `shuyu` app."""
