"""API routes for ledger."""

from ninja import Router

router = Router(tags=["ledger"])
