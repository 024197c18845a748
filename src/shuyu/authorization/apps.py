from django.apps import AppConfig


class AuthorizationConfig(AppConfig):
    name = "shuyu.authorization"
    label = "authorization"
    verbose_name = "授权运营 / authorization"
