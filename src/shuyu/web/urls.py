from django.contrib.auth.views import LogoutView
from django.urls import include, path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(next_page="/"), name="logout"),
    path("", include("shuyu.web.pages.authorization")),
    path("", include("shuyu.web.pages.catalog")),
    path("", include("shuyu.web.pages.ledger")),
    path("", include("shuyu.web.pages.sandbox")),
]
