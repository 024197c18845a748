"""One module of pages per domain, each with its own `urlpatterns`; web/urls.py includes them all."""
