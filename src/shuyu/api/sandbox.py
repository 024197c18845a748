"""API routes for sandbox."""

from ninja import Router

router = Router(tags=["sandbox"])
