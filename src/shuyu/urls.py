from django.urls import include, path

from shuyu.api.main import api

urlpatterns = [
    path("api/", api.urls),
    path("", include("shuyu.web.urls")),
]
