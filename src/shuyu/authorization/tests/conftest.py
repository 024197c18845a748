"""Actors of a believable Sichuan set-up: the province (省大数据中心, 省政府, 省数据局) and 成都市."""

import datetime as dt

import pytest

from shuyu.core import clock
from shuyu.orgs.models import Organization
from shuyu.orgs.services import PLATFORM_ORG_USCC

from .. import services
from . import factories


@pytest.fixture
def agency(admin, make_actor):
    """A person of 四川省大数据中心 (the platform org bootstrap_admin creates), province-level agency."""
    org = Organization.objects.get(uscc=PLATFORM_ORG_USCC)
    return make_actor("implementing_agency", "510000", org_id=org.pk)


@pytest.fixture
def agency_colleague(agency, make_actor):
    return make_actor("implementing_agency", "510000", org_id=agency.org_id)


@pytest.fixture
def gov(make_actor):
    return make_actor("government", "510000", name="四川省人民政府")


@pytest.fixture
def province_admin(make_actor):
    return make_actor("data_admin", "510000", name="四川省数据局")


@pytest.fixture
def city_gov(make_actor):
    return make_actor("government", "510100", name="成都市人民政府")


@pytest.fixture
def city_admin(make_actor):
    return make_actor("data_admin", "510100", name="成都市数据局")


@pytest.fixture
def city_agency(make_actor, city_gov, province_admin):
    """成都市 implementing agency, designated by the city government and filed with the province."""
    actor = make_actor("implementing_agency", "510100", name="成都市大数据中心")
    d = services.designate_agency(
        city_gov, agency_org_id=actor.org_id, decision_ref="成府函〔2026〕8号", designated_on=clock.today()
    )
    services.file_designation(province_admin, designation_id=d.pk)
    return actor


@pytest.fixture
def tax(make_actor):
    return make_actor("data_source_unit", "510000", name="国家税务总局四川省税务局")


@pytest.fixture
def hrss(make_actor):
    return make_actor("data_source_unit", "510000", name="四川省人力资源和社会保障厅")


@pytest.fixture
def resources(tax, hrss):
    return [factories.resource(tax, name="纳税信用等级"), factories.resource(hrss, name="社保缴纳记录")]


@pytest.fixture
def operators(make_actor):
    return [
        make_actor("operator", "510100", name="四川数据运营有限公司"),
        make_actor("operator", "510100", name="天府数智科技有限公司"),
    ]


@pytest.fixture
def approved(agency, gov, resources):
    return factories.approved_plan(agency, gov, [r.pk for r in resources])


@pytest.fixture
def selection(agency, approved, operators):
    return factories.decided_selection(agency, approved, operators)


@pytest.fixture(autouse=True)
def day():
    """Every test here runs on Monday 2026-03-02 unless it freezes another date: reproducible deadlines."""
    with clock.frozen(dt.date(2026, 3, 2)):
        yield dt.date(2026, 3, 2)


@pytest.fixture
def bearer(admin):
    """bearer(actor) → request headers with a fresh API token of that person (hashed at rest)."""
    from shuyu.orgs import tokens

    def _headers(actor):
        return {"Authorization": f"Bearer {tokens.issue_token(admin, person_id=actor.person_id).raw}"}

    return _headers
