"""API routes for orgs."""

from ninja import Router

router = Router(tags=["orgs"])
