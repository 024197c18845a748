"""Use cases for organizations and people. Each takes an actor, checks it, writes, and appends to the ledger."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from shuyu import ledger
from shuyu.core import calendar, clock
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError, NotFound
from shuyu.core.models import HolidaySchedule
from shuyu.core.permissions import Perm, authorize
from shuyu.core.roles import Role

from . import rules
from .models import CreditKind, CreditRecord, Organization, Person, Region


def _role(value: Role | str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise DomainError("R22.1", f"未知的角色：{value}", f"unknown role {value}") from None


def _sichuan_codes() -> frozenset[str]:
    return frozenset(Region.objects.values_list("code", flat=True))


@transaction.atomic
def create_organization(
    actor: Actor, *, uscc: str, name: str, kind: Role | str, region_code: str
) -> Organization:
    authorize(actor, Perm.ORGS_ORGANIZATION_CREATE)
    uscc = rules.check_uscc(uscc)  # N-USCC.1/2
    kind = _role(kind)
    rules.check_uscc_for_kind(uscc, kind)  # N-USCC.3
    name = (name or "").strip()
    if not name:
        raise DomainError("R22.1", "单位名称不能为空", "the organization needs a name")
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise DomainError("R02.1", f"未知的行政区划代码：{region_code}", f"unknown region code {region_code}")
    if Organization.objects.filter(uscc=uscc).exists():
        raise DomainError(
            "N-USCC.1", "该统一社会信用代码已登记", "an organization with this code exists", uscc=uscc
        )
    warnings = rules.uscc_warnings(uscc, _sichuan_codes())
    org = Organization.objects.create(
        uscc=uscc, name=name, kind=kind, region=region, created_at=clock.now(), uscc_warnings=warnings
    )
    ledger.append(
        actor,
        "orgs.organization.created",
        org,
        {"uscc": uscc, "name": name, "kind": kind, "region": region_code, "warnings": warnings},
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
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        raise NotFound("organization", org_id=org_id)
    roles = sorted({_role(r).value for r in roles})
    if not roles:
        raise DomainError("R22.1", "人员至少须有一个角色", "a person needs at least one role")
    username = (username or "").strip()
    if not username or not (display_name or "").strip():
        raise DomainError("R22.1", "用户名和姓名不能为空", "username and display name are required")
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise DomainError("R22.1", "用户名已存在", "username already taken")
    _check_password(password, username)
    user = User.objects.create_user(username=username, password=password)
    person = Person.objects.create(user=user, organization=org, display_name=display_name, roles=roles)
    # The username and name are personal identifiers: the ledger gets the person id and roles only.
    ledger.append(actor, "orgs.person.created", person, {"org": org.pk, "roles": roles})
    return person


def _check_password(password: str | None, username: str) -> None:
    if password is None:
        return  # an account without a password signs in only through tokens an administrator issues
    try:
        validate_password(password, get_user_model()(username=username))
    except ValidationError as e:
        raise DomainError(
            "R22.1", "密码不符合要求：" + "；".join(e.messages), "password rejected: " + "; ".join(e.messages)
        ) from None


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
    username = (username or "").strip()
    if not username:
        raise DomainError("R22.1", "用户名不能为空", "username is required")
    if get_user_model().objects.filter(username=username).exists():
        raise DomainError("R22.1", "用户名已存在", "username already taken")
    _check_password(password, username)
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


@transaction.atomic
def record_dishonesty(
    actor: Actor,
    *,
    org_id: int,
    kind: CreditKind | str,
    source: str,
    recorded_on: dt.date,
    document: str = "",
    expires_on: dt.date | None = None,
) -> CreditRecord:
    """Record a 失信 fact about an organization (R14.2); a record in force bars it from selection."""
    authorize(actor, Perm.ORGS_CREDIT_RECORD)
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        raise NotFound("organization", org_id=org_id)
    # The data administration records for its own region and below (R07.1).
    authorize(actor, Perm.ORGS_CREDIT_RECORD, region_code=org.region_id)
    if kind not in CreditKind.values:
        raise DomainError("R14.2", f"未知的失信类型：{kind}", f"unknown dishonesty kind {kind}")
    kind = CreditKind(kind)
    if not (source or "").strip():
        raise DomainError("R14.2", "失信记录须注明来源", "a dishonesty record needs its source")
    rules.check_credit_record_dates(recorded_on, expires_on)
    record = CreditRecord.objects.create(
        organization=org,
        kind=kind,
        source=source.strip(),
        document=(document or "").strip(),
        recorded_on=recorded_on,
        expires_on=expires_on,
        recorded_by_id=actor.person_id,
        recorded_at=clock.now(),
    )
    ledger.append(
        actor,
        "orgs.credit_record.recorded",
        record,
        {
            "org": org.pk,
            "uscc": org.uscc,
            "kind": kind,
            "source": record.source,
            "document": record.document,
            "recorded_on": recorded_on,
            "expires_on": expires_on,
        },
    )
    return record


# Platform administration of reference data that lives in `core` (which may not write the ledger itself).


@transaction.atomic
def load_holiday_schedule(actor: Actor, *, data: dict) -> HolidaySchedule:
    """Load (or replace) one year's 国务院办公厅 holiday notice as data (N-CAL.1); it takes precedence."""
    authorize(actor, Perm.CORE_CALENDAR_LOAD)
    schedule = calendar.parse_schedule(data)  # N-CAL.1: dates in the year, no day both off and on
    previous = HolidaySchedule.objects.select_for_update().filter(year=schedule.year).first()
    fields = {
        "title": schedule.title,
        "document": schedule.document,
        "source_url": schedule.source_url,
        "festivals": list(schedule.festivals),
        "holidays": sorted(d.isoformat() for d in schedule.holidays),
        "workdays": sorted(d.isoformat() for d in schedule.workdays),
        "loaded_by_person_id": actor.person_id,
        "loaded_by_org_id": actor.org_id,
        "loaded_at": clock.now(),
    }
    row, _ = HolidaySchedule.objects.update_or_create(year=schedule.year, defaults=fields)
    ledger.append(
        actor,
        "core.holiday_schedule.loaded",
        row,
        {
            "year": schedule.year,
            "title": schedule.title,
            "document": schedule.document,
            "source_url": schedule.source_url,
            "holidays": fields["holidays"],
            "workdays": fields["workdays"],
            "working_days": schedule.working_days(),
            "replaced": previous is not None,
        },
    )
    return row
