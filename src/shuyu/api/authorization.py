"""API routes for authorization."""

from ninja import Router

router = Router(tags=["authorization"])
