"""CLI for organizations, people, tokens: `shuyu org …`, `shuyu token …`."""

import typer


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root `shuyu` app."""
