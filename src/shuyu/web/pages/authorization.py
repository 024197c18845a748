"""Pages for authorization."""

urlpatterns: list = []
