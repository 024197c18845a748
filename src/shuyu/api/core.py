"""API routes for core."""

from ninja import Router

router = Router(tags=["core"])
