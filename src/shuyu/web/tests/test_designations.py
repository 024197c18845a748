"""实施机构确定 on the pages (第八条, R08.1): the city government designates, the province files."""

import pytest

from shuyu.authorization.models import Designation
from shuyu.orgs.models import Person


def _login(client, actor):
    client.force_login(Person.objects.get(pk=actor.person_id).user)


@pytest.fixture
def cd(make_actor):
    gov = make_actor("government", "510100", name="成都市人民政府")
    agency = make_actor("implementing_agency", "510100", name="成都市大数据中心")
    other = make_actor("implementing_agency", "510300", name="自贡市大数据中心")
    province = make_actor("data_admin", "510000", name="四川省数据局")
    return type("Cd", (), dict(gov=gov, agency=agency, other=other, province=province))


def test_r08_1_city_designates_on_the_page_and_the_province_files_it(cd, client):
    _login(client, cd.gov)
    page = client.get("/agency/designations/").content.decode()
    assert (
        "确定实施机构" in page and "成都市大数据中心" in page and "自贡市大数据中心" not in page
    )  # nav, own city
    r = client.post(
        "/agency/designations/new/",
        {
            "agency_org_id": cd.agency.org_id,
            "decision_ref": "成府函〔2025〕88号",
            "designated_on": "2025-07-15",
        },
    )
    assert r.status_code == 302
    d = Designation.objects.get()
    assert (d.agency_id, d.region_id, d.filed_at) == (cd.agency.org_id, "510100", None)
    _login(client, cd.province)
    page = client.get("/agency/designations/").content.decode()
    assert "实施机构备案" in page and "待备案" in page
    assert client.post(f"/agency/designations/{d.pk}/file/").status_code == 302
    d.refresh_from_db()
    assert d.filed_at is not None
    assert client.post(f"/agency/designations/{d.pk}/file/").status_code == 422  # already filed


def test_r08_1_an_agency_of_another_city_or_no_document_is_refused_on_the_page(cd, client):
    _login(client, cd.gov)
    r = client.post(
        "/agency/designations/new/",
        {
            "agency_org_id": cd.other.org_id,
            "decision_ref": "成府函〔2025〕88号",
            "designated_on": "2025-07-15",
        },
    )
    assert r.status_code == 422 and "R08.1" in r.content.decode()
    r = client.post(
        "/agency/designations/new/",
        {"agency_org_id": cd.agency.org_id, "decision_ref": " ", "designated_on": "2025-07-15"},
    )
    assert r.status_code == 422 and "R08.1" in r.content.decode() and not Designation.objects.exists()
    r = client.post(
        "/agency/designations/new/", {"agency_org_id": "x", "decision_ref": "文", "designated_on": ""}
    )
    assert r.status_code == 422 and not Designation.objects.exists()


def test_r08_1_an_operator_sees_no_designation_forms(cd, make_actor, client):
    _login(client, make_actor("operator", "510100"))
    page = client.get("/agency/designations/").content.decode()
    assert 'id="designate"' not in page and "确定实施机构" not in page
    r = client.post(
        "/agency/designations/new/",
        {"agency_org_id": cd.agency.org_id, "decision_ref": "文", "designated_on": "2025-07-15"},
    )
    assert r.status_code == 403 and not Designation.objects.exists()


def test_navigation_marks_only_the_longest_matching_entry_as_current(make_actor, client):
    _login(client, make_actor("data_source_unit", "510000"))
    page = client.get("/catalog/manage/").content.decode()
    assert page.count('aria-current="page"') == 1
    assert 'class="current" aria-current="page">数据资源管理' in page


def test_r08_1_a_city_data_admin_is_not_offered_the_filing(cd, make_actor, client):
    _login(client, cd.gov)
    client.post(
        "/agency/designations/new/",
        {
            "agency_org_id": cd.agency.org_id,
            "decision_ref": "成府函〔2025〕88号",
            "designated_on": "2025-07-15",
        },
    )
    d = Designation.objects.get()
    _login(client, make_actor("data_admin", "510100", name="成都市数据局"))
    page = client.get("/agency/designations/").content.decode()
    assert "待备案" in page and f"/agency/designations/{d.pk}/file/" not in page  # the province files
    assert client.post(f"/agency/designations/{d.pk}/file/").status_code == 403
