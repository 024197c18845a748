from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "shuyu.web"
    label = "web"
    verbose_name = "页面 / web"
