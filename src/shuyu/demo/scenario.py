"""The demo scenario for `make demo`. Every object is created through services, so the ledger holds it all."""

from django.db import transaction

from shuyu.orgs.models import Person

DEMO_PASSWORD = "shuyu-demo-2026"
ACCOUNTS = [
    ("admin", DEMO_PASSWORD, "平台管理员 / platform administrator"),
]


def seed() -> bool:
    """Seed once; return False when the demo is already there."""
    from shuyu.orgs import services as orgs

    if Person.objects.filter(user__username="admin").exists():
        return False
    with transaction.atomic():
        orgs.bootstrap_admin(username="admin", password=DEMO_PASSWORD)
    return True
