from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "shuyu.sandbox"
    label = "sandbox"
    verbose_name = "安全开发环境 / sandbox"
