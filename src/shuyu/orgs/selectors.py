"""Read queries for organizations and people."""

import datetime as dt

from django.db.models import Q

from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError, Unauthenticated
from shuyu.core.regions import region_level
from shuyu.core.roles import Role

from .models import CreditRecord, Organization, Person, Region


def actor_for_person(person: Person) -> Actor:
    org = person.organization
    return Actor(
        person_id=person.pk,
        org_id=org.pk,
        roles=frozenset(Role(r) for r in person.roles),
        region_code=org.region_id,
        name=person.display_name,
    )


def actor_for_user(user) -> Actor:
    """The actor behind a logged-in Django user; anonymous when the user has no person record."""
    if user is None or not user.is_authenticated:
        return Actor.anonymous()
    person = Person.objects.select_related("organization").filter(user=user).first()
    return actor_for_person(person) if person else Actor.anonymous()


def has_dishonesty_record(org_id: int, on: dt.date | None = None) -> bool:
    """True when a 失信 record of the organization is in force on `on` (default: today) (R14.2).

    A plain fact, not filtered by actor: eligibility checks need it whoever asks."""
    on = on or clock.today()
    return (
        CreditRecord.objects.filter(organization_id=org_id, recorded_on__lte=on)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        .exists()
    )


def dishonesty_records_for(org_id: int, on: dt.date | None = None) -> list[CreditRecord]:
    """The 失信 records of an organization in force on `on`, newest first (for refusal messages)."""
    on = on or clock.today()
    return list(
        CreditRecord.objects.filter(organization_id=org_id, recorded_on__lte=on)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        .order_by("-recorded_on")
    )


def whoami(actor: Actor) -> dict:
    """The acting person, organization, roles and region (GET /api/orgs/me, `shuyu whoami`)."""
    person = (
        Person.objects.select_related("organization__region").filter(pk=actor.person_id).first()
        if actor.person_id
        else None
    )
    if person is None:
        raise Unauthenticated()
    org = person.organization
    return {
        "person_id": person.pk,
        "display_name": person.display_name,
        "org_id": org.pk,
        "org_name": org.name,
        "org_uscc": org.uscc,
        "roles": sorted(person.roles),
        "region_code": org.region_id,
        "region_name": org.region.name,
    }


def regions(parent: str | None = None) -> list[Region]:
    """The GB/T 2260 table (public reference data, N-GEO.3): the province when no parent, else its children."""
    qs = Region.objects.filter(parent_id=parent) if parent else Region.objects.filter(level="province")
    return list(qs.order_by("code"))


def organizations(*, kind: str | None = None, region_code: str | None = None) -> list[Organization]:
    """Registered organizations (name, USCC, kind, region are public registry facts), optionally by kind and
    region (a region includes the regions below it)."""
    qs = Organization.objects.select_related("region")
    if kind:
        qs = qs.filter(kind=kind)
    if region_code:
        # Same containment as core.regions.region_covers, as a query (never filter after fetching).
        try:
            level = region_level(region_code)
        except ValueError:
            raise DomainError(
                "R02.1", f"行政区划代码无效：{region_code}", f"invalid region code {region_code}"
            ) from None
        prefix = {"province": 2, "city": 4, "county": 6}[level]
        qs = qs.filter(region__code__startswith=region_code[:prefix])
    return list(qs.order_by("region_id", "name"))
