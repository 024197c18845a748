"""Pages for ledger."""

urlpatterns: list = []
