"""Fixtures of the security tests: people of every role, bearer tokens, a seeded world with planted canaries.

The world is the demo scenario (orgs, people, resources, a signed authorization), seeded through the services,
plus one more version of an authorized resource whose rows carry canary values. A canary may appear only
inside the vault: in no API body or header, no page, no ledger payload (R04.1).
"""

import csv
import dataclasses
from pathlib import Path

import pytest
from django.core import signals
from django.db import close_old_connections

CANARY = "金丝雀Canary5e2b"
MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config):
    config.addinivalue_line("markers", "fuzz: property-based API fuzzing (schemathesis); xdist-safe")


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    """A cheap password hasher (the tests make many accounts) and a data directory of the test's own."""
    settings.PASSWORD_HASHERS = MD5
    settings.SHUYU = dict(settings.SHUYU) | {"DATA_DIR": tmp_path}


def an_admin():
    """The platform administrator: the demo's when the world is seeded, else one bootstrapped now."""
    from shuyu.core.roles import Role
    from shuyu.orgs import services
    from shuyu.orgs.models import Person
    from shuyu.orgs.selectors import actor_for_person

    for person in Person.objects.select_related("organization", "user").order_by("pk"):
        if Role.ADMIN.value in person.roles:
            return actor_for_person(person)
    return actor_for_person(services.bootstrap_admin(username="root-admin", password="Adm1n-pass-2026"))


@pytest.fixture
def bearer(db):
    """bearer(actor) → headers carrying a fresh token of that person."""
    from shuyu.orgs import tokens

    def _headers(actor) -> dict:
        return {"Authorization": f"Bearer {tokens.issue_token(an_admin(), person_id=actor.person_id).raw}"}

    return _headers


@pytest.fixture
def wsgi_app():
    """Django's real WSGI handler (CSRF and all middleware on), sharing the test's transaction.

    The request signals would close the test's connection between requests; the test client disconnects
    them in the same way.
    """
    from django.core.handlers.wsgi import WSGIHandler

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@dataclasses.dataclass
class World:
    actors: dict  # username → Actor (demo people, plus "admin")
    canaries: list[str]  # values that exist only inside the vault
    ids: dict  # kind → a real id of each kind of object, for path parameters


def _plant_canaries(provider, resource, tmp: Path) -> list[str]:
    """Ingest a new version of an authorized resource whose rows carry canaries; return them."""
    from shuyu.catalog import services
    from shuyu.catalog.synthetic import SPECS, write_csv

    key = next(k for k, s in SPECS.items() if s.code == resource.code)
    path = write_csv(key, tmp / "canary.csv", rows=30, seed=4242)
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    fields = {f.name: f for f in resource.fields.all()}
    free = next(n for n, f in fields.items() if f.type == "string" and not f.format and not f.code_list)
    for i, row in enumerate(rows[:5]):
        row[free] = f"{CANARY}{i}"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    services.ingest_file(provider, resource_id=resource.pk, path=path)
    # Every direct identifier of the file is a canary too: none of them may ever leave the vault.
    direct = [n for n, f in fields.items() if f.sensitivity == "direct"]
    values = {row[n] for row in rows for n in direct if len(row.get(n) or "") >= 8}
    return [CANARY, *sorted(values)]


def _first_ids() -> dict:
    from django.apps import apps

    ids = {}
    for label, model in [
        ("resource", "catalog.DataResource"),
        ("registration", "catalog.Registration"),
        ("version", "catalog.ResourceVersion"),
        ("objection", "catalog.Objection"),
        ("plan", "authorization.Plan"),
        ("plan_version", "authorization.PlanVersion"),
        ("selection", "authorization.Selection"),
        ("candidate", "authorization.Candidate"),
        ("agreement", "authorization.Agreement"),
        ("designation", "authorization.Designation"),
        ("workspace", "sandbox.Workspace"),
        ("job", "sandbox.Job"),
        ("output", "sandbox.Output"),
        ("token", "orgs.ApiToken"),
    ]:
        try:
            m = apps.get_model(model)
        except LookupError:
            continue
        first = m.objects.order_by("pk").first()
        if first is not None:
            ids[label] = first.pk
    return ids


@pytest.fixture
def world(db, monkeypatch, tmp_path):
    """The demo scenario with 200 rows per resource, and canaries planted in the hrss resource."""
    from shuyu.catalog.models import DataResource
    from shuyu.demo import scenario
    from shuyu.orgs.models import Person
    from shuyu.orgs.selectors import actor_for_person

    monkeypatch.setenv("SHUYU_DEMO_ROWS", "200")
    scenario.seed()
    actors = {
        p.user.username: actor_for_person(p) for p in Person.objects.select_related("user", "organization")
    }
    hrss = actors["hrss"]
    resource = DataResource.objects.filter(provider_id=hrss.org_id).order_by("pk").first()
    canaries = _plant_canaries(hrss, resource, tmp_path)
    from shuyu.orgs import tokens

    tokens.issue_token(actors["admin"], person_id=actors["operator"].person_id)  # someone else's token
    return World(actors=actors, canaries=canaries, ids=_first_ids() | {"resource": resource.pk})


@pytest.fixture
def person_of(db):
    """person_of(role) → Actor of a new person in a new organization of that kind (works with `world`)."""
    import itertools

    from shuyu.orgs import services
    from shuyu.orgs.rules import uscc_check_char
    from shuyu.orgs.selectors import actor_for_person

    serial = itertools.count(1)

    def _make(role: str, region: str = "510100"):
        n = next(serial)
        body = f"11{region}HX{n:07d}"
        org = services.create_organization(
            an_admin(),
            uscc=body + uscc_check_char(body),
            name=f"安全测试{role}{n}",
            kind=role,
            region_code=region,
        )
        person = services.create_person(
            an_admin(),
            username=f"sec-{role}-{n}",
            password="Test-pass-2026",
            display_name=f"安全测试{n}",
            org_id=org.pk,
            roles=[role],
        )
        return actor_for_person(person)

    return _make
