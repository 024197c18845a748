"""Organizations and people through their services (R02.1, R22.1, N-USCC.*): refusals change nothing."""

import pytest

from shuyu import ledger
from shuyu.core.errors import DomainError, NotFound, PermissionDenied
from shuyu.orgs import services
from shuyu.orgs.models import Organization, Person
from shuyu.orgs.rules import uscc_check_char
from shuyu.orgs.selectors import actor_for_user, whoami

pytestmark = pytest.mark.django_db


def _code(prefix17: str) -> str:
    return prefix17 + uscc_check_char(prefix17)


def _org(actor, **kw):
    args = {
        "uscc": _code("91510100MA6123456"),
        "name": "成都数据集团",
        "kind": "operator",
        "region_code": "510100",
    }
    return services.create_organization(actor, **{**args, **kw})


def test_r02_1_organization_belongs_to_a_gb_t_2260_region(admin):
    before = ledger.size()
    org = _org(admin, region_code="510104")
    assert org.region.name == "锦江区" and org.region.parent_id == "510100"
    assert ledger.size() == before + 1


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"region_code": "500000"}, "R02.1"),  # 重庆: not in the table
        ({"region_code": "510200"}, "R02.1"),  # an unused prefix
        ({"uscc": "91510100MA61234560"}, "N-USCC.2"),
        ({"uscc": "91510100MA612345"}, "N-USCC.1"),
        ({"uscc": _code("92510100MA6123456")}, "N-USCC.3"),
        ({"kind": "emperor"}, "R22.1"),
        ({"name": "  "}, "R22.1"),
    ],
)
def test_invalid_organizations_are_refused_naming_their_rule(admin, kw, code):
    before, count = ledger.size(), Organization.objects.count()
    with pytest.raises(DomainError) as err:
        _org(admin, **kw)
    assert err.value.requirement == code
    assert ledger.size() == before and Organization.objects.count() == count


def test_n_uscc_1_duplicate_code_is_refused(admin):
    _org(admin)
    with pytest.raises(DomainError) as err:
        _org(admin, name="另一家")
    assert err.value.requirement == "N-USCC.1"


def test_n_uscc_3_individual_business_may_be_a_developer_with_no_warning(admin):
    org = _org(admin, uscc=_code("92510100MA6123456"), kind="developer")
    assert org.uscc_warnings == []


def test_n_uscc_warnings_are_kept_not_refused(admin):
    org = _org(admin, uscc=_code("91519900MA6123456"))
    assert len(org.uscc_warnings) == 1 and "519900" in org.uscc_warnings[0]
    entry = ledger.services.entries_for("orgs.organization", org.pk)[0]
    assert "519900" in entry.payload


def test_r22_1_only_admin_creates_organizations_and_people(make_actor):
    agency = make_actor("implementing_agency")
    before = ledger.size()
    with pytest.raises(PermissionDenied):
        _org(agency)
    with pytest.raises(PermissionDenied):
        services.create_person(
            agency,
            username="x1",
            password="Xx-pass-2026",
            display_name="x",
            org_id=agency.org_id,
            roles=["operator"],
        )
    assert ledger.size() == before


@pytest.mark.parametrize(
    ("kw", "exc"),
    [
        ({"org_id": 999999}, NotFound),
        ({"roles": []}, DomainError),
        ({"roles": ["king"]}, DomainError),
        ({"password": "short"}, DomainError),
        ({"password": "password123"}, DomainError),  # too common
        ({"username": " "}, DomainError),
    ],
)
def test_r22_1_invalid_people_are_refused(admin, make_actor, kw, exc):
    org_id = make_actor("operator").org_id
    args = {
        "username": "p1",
        "password": "Good-pass-2026",
        "display_name": "甲",
        "org_id": org_id,
        "roles": ["operator"],
    }
    before, count = ledger.size(), Person.objects.count()
    with pytest.raises(exc):
        services.create_person(admin, **{**args, **kw})
    assert ledger.size() == before and Person.objects.count() == count


def test_r22_1_person_belongs_to_one_organization_and_the_ledger_has_no_name(admin, make_actor):
    org_id = make_actor("operator", "510100").org_id
    person = services.create_person(
        admin,
        username="zhang-san",
        password="Good-pass-2026",
        display_name="张三",
        org_id=org_id,
        roles=["operator"],
    )
    actor = actor_for_user(person.user)
    assert actor.org_id == org_id and actor.region_code == "510100"
    assert whoami(actor)["region_name"] == "成都市"
    payload = ledger.services.entries_for("orgs.person", person.pk)[0].payload
    assert "zhang-san" not in payload and "张三" not in payload


def test_r22_1_bootstrap_is_refused_once_an_admin_exists(admin):
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.bootstrap_admin(username="another", password="Another-pass-2026")
    assert err.value.requirement == "R22.1"
    assert ledger.size() == before


def test_r22_1_bootstrap_refuses_a_weak_password(db):
    with pytest.raises(DomainError):
        services.bootstrap_admin(username="root", password="123")
    assert not Person.objects.exists()
