"""API routes for catalog."""

from ninja import Router

router = Router(tags=["catalog"])
