"""Pages shared by every domain: the public home page, login. Each view parses, calls one service or
selector, and renders."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render

from shuyu.core.roles import Role
from shuyu.orgs.selectors import actor_for_user

from .forms import ThrottledAuthenticationForm


def home(request):
    """The public disclosure portal's seed (R24.1): active authorizations, open to everyone."""
    from shuyu.authorization import selectors

    context = {
        "authorizations": selectors.public_authorizations(),
    }
    return render(request, "web/home.html", context)


def landing_for(actor) -> str:
    """Where a person lands after logging in: the page for the first act their role has."""
    if actor.has_role(Role.IMPLEMENTING_AGENCY):
        return "/agency/"
    if actor.has_role(Role.GOVERNMENT):
        return "/agency/approvals/"
    if actor.has_role(Role.DATA_ADMIN):
        return "/agency/filings/"
    if actor.has_role(Role.OPERATOR, Role.AUDITOR, Role.ASSESSOR):
        return "/agency/agreements/"
    return "/"


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    form_class = ThrottledAuthenticationForm

    def get_default_redirect_url(self):
        return landing_for(actor_for_user(self.request.user))
