from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "shuyu.catalog"
    label = "catalog"
    verbose_name = "数据资源目录 / catalog"
