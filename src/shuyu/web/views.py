"""Pages. Each view parses, calls one service or selector, and renders."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render


def home(request):
    """The public disclosure portal's seed (R24.1): active authorizations, open to everyone."""
    return render(request, "web/home.html", {})


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
