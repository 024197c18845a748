"""Pages for sandbox."""

urlpatterns: list = []
