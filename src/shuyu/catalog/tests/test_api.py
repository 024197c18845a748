"""The catalog API: permissions, ledger, and attacks that try to get data values out (R04.1)."""

import json

import pytest

from shuyu import ledger
from shuyu.catalog import services
from shuyu.catalog.models import DataResource
from shuyu.core import clock

from .conftest import START, id_number, people_csv
from .test_services import MATERIALS

CANARY_NAME = "金丝雀Canary7f3a"
CANARY_ID = id_number(777, "513401")


@pytest.fixture
def bearer(admin):
    from shuyu.orgs import tokens

    def _h(actor):
        return {"Authorization": f"Bearer {tokens.issue_token(admin, person_id=actor.person_id).raw}"}

    return _h


RESOURCE = {
    "code": "SC-TEST-1",
    "name": "社保缴费",
    "region_code": "510100",
    "sector": "人力资源和社会保障",
    "fields": [
        {
            "name": "id_no",
            "label": "公民身份号码",
            "format": "cn_id",
            "sensitivity": "direct",
            "is_key": True,
            "is_disclosure_unit": True,
        },
        {"name": "name", "label": "姓名", "sensitivity": "direct"},
        {"name": "district", "format": "region", "sensitivity": "quasi"},
        {"name": "amount", "type": "decimal"},
        {"name": "paid_on", "type": "date"},
        {"name": "months", "type": "integer"},
    ],
}


def test_create_resource_without_permission_is_403_and_ledger_unchanged(client, make_actor, bearer):
    headers = bearer(make_actor("operator", "510100"))
    before = ledger.size()
    r = client.post(
        "/api/catalog/resources",
        json.dumps(RESOURCE),
        content_type="application/json",
        headers=headers,
    )
    assert r.status_code == 403 and r.json()["code"] == "R22.1"
    assert ledger.size() == before and not DataResource.objects.exists()


def test_create_resource_with_permission_is_201_and_one_ledger_entry(client, provider, bearer):
    headers = bearer(provider)
    before = ledger.size()
    r = client.post(
        "/api/catalog/resources",
        json.dumps(RESOURCE),
        content_type="application/json",
        headers=headers,
    )
    assert r.status_code == 201, r.json()
    assert ledger.size() == before + 1
    assert [f["sensitivity"] for f in r.json()["fields"]][:3] == ["direct", "direct", "quasi"]


def test_r07_1_classify_by_wrong_org_is_403(client, make_actor, graded, bearer):
    other = make_actor("data_source_unit", "510100")
    body = {"sector": "x", "impacts": [["individual_rights", "general"]]}
    r = client.post(
        f"/api/catalog/resources/{graded.pk}/classify",
        json.dumps(body),
        content_type="application/json",
        headers=bearer(other),
    )
    assert r.status_code == 403 and r.json()["code"] == "R07.1"


def test_ingest_upload_and_bad_row_error(client, provider, graded, bearer, tmp_path):
    good = people_csv(tmp_path / "a.csv", 10)
    with open(good, "rb") as f:
        r = client.post(
            f"/api/catalog/resources/{graded.pk}/ingest",
            {"file": f, "mode": "full"},
            headers=bearer(provider),
        )
    assert r.status_code == 201, r.json()
    assert r.json()["row_count"] == 10
    bad = people_csv(tmp_path / "b.csv", 10, bad={4: ("paid_on", CANARY_ID)})
    with open(bad, "rb") as f:
        r = client.post(f"/api/catalog/resources/{graded.pk}/ingest", {"file": f}, headers=bearer(provider))
    assert r.status_code == 422 and r.json()["code"] == "R23.1"
    assert "第5条数据" in r.json()["message_zh"] and CANARY_ID not in r.content.decode()


def _seed_with_canaries(provider, agency, registrar, graded, tmp_path):
    path = people_csv(tmp_path / "c.csv", 30, names=[CANARY_NAME], bad={3: ("id_no", CANARY_ID)})
    with clock.frozen(START):
        v = services.ingest_file(provider, resource_id=graded.pk, path=path)
        d = services.deposit_evidence(agency, resource_id=graded.pk)
        reg = services.apply_registration(
            agency, resource_id=graded.pk, materials=MATERIALS, evidence_id=d.pk
        )
        services.accept_registration(registrar, registration_id=reg.pk)
        services.complete_review(registrar, registration_id=reg.pk)
    return v, reg


def test_r04_1_no_endpoint_returns_a_data_value(
    client, provider, agency, registrar, auditor_like, graded, bearer, tmp_path
):
    v, reg = _seed_with_canaries(provider, agency, registrar, graded, tmp_path)
    urls = [
        ("/api/catalog/public", None),
        ("/api/catalog/public.jsonld", None),
        (f"/api/catalog/public/{graded.code}", None),
        ("/api/catalog/notices", None),
        ("/api/catalog/resources", provider),
        (f"/api/catalog/resources/{graded.pk}", provider),
        (f"/api/catalog/resources/{graded.pk}/quality", provider),
        (f"/api/catalog/resources/{graded.pk}/versions", provider),
        ("/api/catalog/registrations", registrar),
        (f"/api/catalog/registrations/{reg.pk}", agency),
        ("/api/catalog/deadlines", agency),
        (f"/api/catalog/resources/{graded.pk}", auditor_like),
        ("/catalog/", None),
        (f"/catalog/{graded.code}/", None),
    ]
    seen = []
    for url, actor in urls:
        r = client.get(url, headers=bearer(actor) if actor else {})
        assert r.status_code == 200, (url, r.content[:300])
        body = r.content.decode()
        assert CANARY_NAME not in body and CANARY_ID not in body, url
        assert id_number(1) not in body, url  # any ordinary row value
        seen.append(url)
    assert len(seen) == len(urls)
    from shuyu.orgs.models import Person

    for actor in (provider, registrar, agency):
        client.force_login(Person.objects.get(pk=actor.person_id).user)
        for url in ("/catalog/manage/", f"/catalog/manage/{graded.pk}/", "/catalog/notices/"):
            r = client.get(url)
            assert r.status_code == 200, url
            body = r.content.decode()
            assert CANARY_NAME not in body and CANARY_ID not in body and id_number(1) not in body, url


def test_r04_1_quality_report_has_counts_only(client, provider, graded, bearer, tmp_path):
    services.ingest_file(
        provider,
        resource_id=graded.pk,
        path=people_csv(tmp_path / "a.csv", 12, bad={2: ("district", "999999")}),
    )
    q = client.get(f"/api/catalog/resources/{graded.pk}/quality", headers=bearer(provider)).json()
    assert q["details"]["rows"] == 12 and q["details"]["fields"]["district"]["invalid"] == 1
    flat = json.dumps(q, ensure_ascii=False)
    assert "张三" not in flat and "510104" not in flat


def test_public_catalog_hides_forbidden_and_core_resources(client, provider, make_resource):
    hidden = make_resource(involves_state_secrets=True, name="涉密资源")
    core = make_resource(name="核心资源")
    services.classify_resource(
        provider, resource_id=core.pk, sector="公安", impacts=[("national_security", "serious")]
    )
    shown = make_resource(name="公开资源")
    names = [r["name"] for r in client.get("/api/catalog/public").json()]
    assert names == [shown.name] and hidden.name not in names
    ld = client.get("/api/catalog/public.jsonld")
    assert ld["Content-Type"].startswith("application/ld+json")
    doc = ld.json()
    assert doc["@type"] == "dcat:Catalog" and [d["dct:identifier"] for d in doc["dcat:dataset"]] == [
        shown.code
    ]


def test_n_reg_15_notice_shows_only_four_fields(client, provider, agency, registrar, graded, tmp_path):
    _seed_with_canaries(provider, agency, registrar, graded, tmp_path)
    with clock.frozen(START):
        notices = client.get("/api/catalog/notices").json()
    assert set(notices[0]) == {"id", "registrant", "kind", "data_name", "summary", "publicity_ends_on"}


def test_other_units_resource_is_404(client, make_actor, graded, bearer):
    other = make_actor("data_source_unit", "510100")
    r = client.get(f"/api/catalog/resources/{graded.pk}", headers=bearer(other))
    assert r.status_code == 404


@pytest.fixture
def auditor_like(make_actor):
    return make_actor("auditor", "510000")
