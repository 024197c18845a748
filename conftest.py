"""Shared test fixtures. States are reached through services, never by setting fields (docs/STYLE.md)."""

import itertools
import os

import pytest

from shuyu.orgs.rules import uscc_check_char

pytest_plugins = ["shuyu.testing.browser", "shuyu.testing.canary"]

_serial = itertools.count(1)


def pytest_configure(config):
    from django.conf import settings

    # Production keeps Django's slow PBKDF2; tests create hundreds of people, and hashing strength is not
    # what they test (the login tests still go through the real authenticate()).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # CI's PostgreSQL run must really run on PostgreSQL: fail, never skip.
    if os.environ.get("SHUYU_REQUIRE_POSTGRES") == "1":
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            raise pytest.UsageError(f"SHUYU_REQUIRE_POSTGRES=1 but the database engine is {engine}")


def _serialized(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return "django_db_serialized_rollback" in item.fixturenames or bool(
        marker and marker.kwargs.get("serialized_rollback")
    )


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool({"transactional_db", "live_server"} & set(item.fixturenames)) or bool(
        marker and marker.kwargs.get("transaction")
    )


def pytest_collection_modifyitems(config, items):
    # A transactional test flushes the database afterwards. Without serialized rollback the flush re-creates
    # content types under new ids and drops the regions the migrations loaded, and the next page test in the
    # same xdist worker fails restoring them. So every transactional test must use serialized rollback.
    offenders = [item.nodeid for item in items if _transactional(item) and not _serialized(item)]
    if offenders:
        raise pytest.UsageError(
            "transactional tests must use serialized rollback "
            "(@pytest.mark.django_db(transaction=True, serialized_rollback=True)): " + ", ".join(offenders)
        )


def make_uscc(kind_prefix: str = "91", region: str = "510100") -> str:
    """A synthetic but valid 统一社会信用代码 (GB 32100 check character), unique per call."""
    body = f"{kind_prefix}{region}{next(_serial) + os.getpid() % 1000 * 100000:09d}"[:17]
    return body + uscc_check_char(body)


@pytest.fixture
def admin(db):
    """The platform administrator, bootstrapped as `shuyu admin create` does."""
    from shuyu.orgs import services
    from shuyu.orgs.selectors import actor_for_person

    return actor_for_person(services.bootstrap_admin(username="root-admin", password="Adm1n-pass-2026"))


@pytest.fixture
def make_actor(admin):
    """make_actor(role, region="510000", name=None, org=None) → Actor of a new person in a (new) organization."""
    from shuyu.core.roles import Role
    from shuyu.orgs import services
    from shuyu.orgs.selectors import actor_for_person

    counter = itertools.count(1)

    def _make(
        role, region: str = "510000", *, name: str | None = None, org_id: int | None = None, roles=None
    ):
        role = Role(role)
        n = next(counter)
        if org_id is None:
            prefix = "91" if role in (Role.OPERATOR, Role.DEVELOPER) else "11"
            org_id = services.create_organization(
                admin,
                uscc=make_uscc(prefix, region),
                name=name or f"{role.value}-{region}-{n}",
                kind=role,
                region_code=region,
            ).pk
        person = services.create_person(
            admin,
            username=f"{role.value}-{region}-{n}-{next(_serial)}",
            password="Test-pass-2026",
            display_name=f"测试{n}",
            org_id=org_id,
            roles=roles or [role],
        )
        return actor_for_person(person)

    return _make
