"""cli: the `shuyu` command (Typer + Rich). Thin over services; acts as the person behind SHUYU_TOKEN."""
