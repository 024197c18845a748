from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "shuyu.ledger"
    label = "ledger"
    verbose_name = "存证账本 / ledger"
