"""One place maps refusals to pages: the article id and both messages, with the right status."""

from django.shortcuts import render

from shuyu.core.errors import DomainError
from shuyu.orgs.selectors import actor_for_user


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor = actor_for_user(getattr(request, "user", None))
        return self.get_response(request)

    def process_exception(self, request, exc):
        if isinstance(exc, DomainError):
            return render(request, "web/error.html", {"error": exc}, status=exc.status)
        return None
