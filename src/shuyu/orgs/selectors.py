"""Read queries for organizations and people."""

from shuyu.core.actors import Actor
from shuyu.core.roles import Role

from .models import Person


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
