"""CLI for `shuyu resource …`."""

import typer


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root `shuyu` app."""
