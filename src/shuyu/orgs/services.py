"""Use cases for organizations and people. Each takes an actor, checks it, writes, and appends to the ledger."""

from django.contrib.auth import get_user_model
from django.db import transaction

from shuyu import ledger
from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError
from shuyu.core.permissions import Perm, authorize
from shuyu.core.roles import Role

from . import rules
from .models import Organization, Person, Region


@transaction.atomic
def create_organization(
    actor: Actor, *, uscc: str, name: str, kind: Role | str, region_code: str
) -> Organization:
    authorize(actor, Perm.ORGS_ORGANIZATION_CREATE)
    uscc = rules.check_uscc(uscc)
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise DomainError("R02.1", f"未知的行政区划代码：{region_code}", f"unknown region code {region_code}")
    if Organization.objects.filter(uscc=uscc).exists():
        raise DomainError(
            "N-USCC.1", "该统一社会信用代码已登记", "an organization with this code exists", uscc=uscc
        )
    org = Organization.objects.create(
        uscc=uscc, name=name, kind=Role(kind), region=region, created_at=clock.now()
    )
    ledger.append(
        actor,
        "orgs.organization.created",
        org,
        {"uscc": uscc, "name": name, "kind": Role(kind), "region": region_code},
    )
    return org


@transaction.atomic
def create_person(
    actor: Actor,
    *,
    username: str,
    password: str | None,
    display_name: str,
    org_id: int,
    roles: list[Role | str],
) -> Person:
    authorize(actor, Perm.ORGS_PERSON_CREATE)
    org = Organization.objects.get(pk=org_id)
    roles = sorted({Role(r).value for r in roles})
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise DomainError("R22.1", "用户名已存在", "username already taken")
    user = User.objects.create_user(username=username, password=password)
    person = Person.objects.create(user=user, organization=org, display_name=display_name, roles=roles)
    # The username and name are personal identifiers: the ledger gets the person id and roles only.
    ledger.append(actor, "orgs.person.created", person, {"org": org.pk, "roles": roles})
    return person


PLATFORM_ORG_USCC = "12510000MB0000001N"  # synthetic (NATIONAL.md §8): 四川省大数据中心 in the demo and tests


@transaction.atomic
def bootstrap_admin(*, username: str, password: str, org_name: str = "四川省大数据中心") -> Person:
    """Create the first platform administrator (and its organization). Refused once any admin exists."""
    if any(Role.ADMIN.value in p.roles for p in Person.objects.only("roles")):
        raise DomainError(
            "R22.1",
            "管理员已存在，请由现有管理员创建账户",
            "an administrator exists; ask them to add accounts",
        )
    system = Actor.system("bootstrap")
    org = Organization.objects.filter(uscc=PLATFORM_ORG_USCC).first()
    if org is None:
        org = Organization.objects.create(
            uscc=PLATFORM_ORG_USCC,
            name=org_name,
            kind=Role.IMPLEMENTING_AGENCY,
            region_id="510000",
            created_at=clock.now(),
        )
        ledger.append(
            system,
            "orgs.organization.created",
            org,
            {"uscc": org.uscc, "name": org_name, "kind": org.kind, "region": "510000"},
        )
    user = get_user_model().objects.create_user(username=username, password=password)
    person = Person.objects.create(
        user=user, organization=org, display_name=username, roles=[Role.ADMIN.value]
    )
    ledger.append(system, "orgs.admin.bootstrapped", person, {"org": org.pk})
    return person
