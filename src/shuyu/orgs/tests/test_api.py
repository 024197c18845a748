"""API of orgs: every endpoint without permission (403/404/401, ledger unchanged) and with (done, one entry)."""

import pytest

from shuyu import ledger
from shuyu.orgs.models import ApiToken, CreditRecord, Organization, Person

from .test_tokens import PASSWORD, _username

pytestmark = pytest.mark.django_db
USCC_92 = "92510100MA6123456"


def _valid(prefix17: str) -> str:
    from shuyu.orgs.rules import uscc_check_char

    return prefix17 + uscc_check_char(prefix17)


def test_r22_1_issue_token_with_password_returns_it_once(client, make_actor):
    agency = make_actor("implementing_agency")
    before = ledger.size()
    r = client.post(
        "/api/orgs/tokens",
        {"username": _username(agency), "password": PASSWORD, "label": "cli"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    raw = r.json()["token"]
    assert ledger.size() == before + 1
    me = client.get("/api/orgs/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 200
    assert me.json()["person_id"] == agency.person_id and me.json()["roles"] == ["implementing_agency"]
    listed = client.get("/api/orgs/tokens", headers={"Authorization": f"Bearer {raw}"}).json()
    assert [t["label"] for t in listed] == ["cli"] and "token" not in listed[0]


def test_r22_1_wrong_password_is_401_with_constant_message_and_ledgered(client, make_actor):
    agency = make_actor("implementing_agency")
    before = ledger.size()
    bodies = [
        client.post("/api/orgs/tokens", {"username": u, "password": p}, content_type="application/json")
        for u, p in [(_username(agency), "nope-nope-nope"), ("ghost", PASSWORD)]
    ]
    assert [b.status_code for b in bodies] == [401, 401]
    assert bodies[0].json() == bodies[1].json()
    assert bodies[0].json()["code"] == "R22.1" and bodies[0].json()["article"] == "第二十二条"
    assert ledger.size() == before + 2 and not ApiToken.objects.exists()


def test_r22_1_expired_or_revoked_token_is_401(client, make_actor, bearer):
    agency = make_actor("implementing_agency")
    headers = bearer(agency)
    token_id = ApiToken.objects.get(person_id=agency.person_id).pk
    before = ledger.size()
    r = client.delete(f"/api/orgs/tokens/{token_id}", headers=headers)
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert ledger.size() == before + 1
    r = client.get("/api/orgs/me", headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "R22.1"
    assert client.get("/api/orgs/me").status_code == 401


def test_r22_1_revoking_someone_elses_token_is_404_and_changes_nothing(client, make_actor, bearer):
    agency, operator = make_actor("implementing_agency"), make_actor("operator")
    bearer(agency)
    token_id = ApiToken.objects.get(person_id=agency.person_id).pk
    headers = bearer(operator)
    before = ledger.size()
    r = client.delete(f"/api/orgs/tokens/{token_id}", headers=headers)
    assert r.status_code == 404
    assert ledger.size() == before and ApiToken.objects.get(pk=token_id).revoked_at is None


ORG = {"name": "成都数据集团有限公司", "kind": "operator", "region_code": "510100"}


def test_r22_1_create_organization_without_permission_is_403(client, make_actor, bearer):
    headers = bearer(make_actor("data_admin"))
    before, count = ledger.size(), Organization.objects.count()
    r = client.post(
        "/api/orgs/organizations",
        {**ORG, "uscc": _valid("91510100MA6123456")},
        content_type="application/json",
        headers=headers,
    )
    assert r.status_code == 403 and r.json()["code"] == "R22.1"
    assert ledger.size() == before and Organization.objects.count() == count


def test_r22_1_admin_creates_organization(client, admin, bearer):
    headers = bearer(admin)
    before = ledger.size()
    r = client.post(
        "/api/orgs/organizations",
        {**ORG, "uscc": _valid("91510100MA6123456")},
        content_type="application/json",
        headers=headers,
    )
    assert r.status_code == 201, r.content
    assert r.json()["region_code"] == "510100" and r.json()["uscc_warnings"] == []
    assert ledger.size() == before + 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**ORG, "uscc": "91510100MA61234560"}, "N-USCC.2"),
        ({**ORG, "uscc": _valid("92510100MA6123456")}, "N-USCC.3"),
        ({**ORG, "uscc": _valid("91510100MA6123456"), "region_code": "500000"}, "R02.1"),
    ],
)
def test_invalid_organization_is_422_naming_its_rule(client, admin, bearer, body, code):
    headers = bearer(admin)
    before, count = ledger.size(), Organization.objects.count()
    r = client.post("/api/orgs/organizations", body, content_type="application/json", headers=headers)
    assert r.status_code == 422 and r.json()["code"] == code
    assert r.json()["message_zh"] and r.json()["message_en"]
    assert ledger.size() == before and Organization.objects.count() == count


def test_r22_1_create_person_without_permission_is_403(client, make_actor, bearer):
    agency = make_actor("implementing_agency")
    headers = bearer(agency)
    before, count = ledger.size(), Person.objects.count()
    body = {"username": "newbie", "display_name": "新人", "org_id": agency.org_id, "roles": ["operator"]}
    r = client.post("/api/orgs/people", body, content_type="application/json", headers=headers)
    assert r.status_code == 403
    assert ledger.size() == before and Person.objects.count() == count


def test_r22_1_admin_creates_person(client, admin, make_actor, bearer):
    agency = make_actor("implementing_agency", "510100")
    headers = bearer(admin)
    before = ledger.size()
    body = {
        "username": "chengdu-clerk",
        "password": "Chengdu-2026-pass",
        "display_name": "成都经办人",
        "org_id": agency.org_id,
        "roles": ["implementing_agency"],
    }
    r = client.post("/api/orgs/people", body, content_type="application/json", headers=headers)
    assert r.status_code == 201, r.content
    assert r.json()["org_id"] == agency.org_id
    assert ledger.size() == before + 1
    entry = ledger.services.entries_for("orgs.person", r.json()["id"])[0]
    assert "chengdu-clerk" not in entry.payload and "成都经办人" not in entry.payload


def test_r14_2_credit_record_without_permission_is_403(client, make_actor, bearer):
    operator = make_actor("operator", "510100")
    headers = bearer(make_actor("implementing_agency"))
    before = ledger.size()
    body = {
        "org_id": operator.org_id,
        "kind": "serious_dishonesty",
        "source": "信用中国",
        "recorded_on": "2026-01-05",
    }
    r = client.post("/api/orgs/credit-records", body, content_type="application/json", headers=headers)
    assert r.status_code == 403
    assert ledger.size() == before and not CreditRecord.objects.exists()


def test_r14_2_data_admin_records_dishonesty(client, make_actor, bearer):
    operator = make_actor("operator", "510100")
    headers = bearer(make_actor("data_admin", "510000"))
    before = ledger.size()
    body = {
        "org_id": operator.org_id,
        "kind": "serious_dishonesty",
        "source": "信用中国",
        "recorded_on": "2026-01-05",
    }
    r = client.post("/api/orgs/credit-records", body, content_type="application/json", headers=headers)
    assert r.status_code == 201, r.content
    assert ledger.size() == before + 1


def test_organizations_list_filters_by_kind_and_region(client, make_actor, bearer):
    make_actor("operator", "510104")
    make_actor("operator", "510300")
    headers = bearer(make_actor("implementing_agency", "510100"))
    ops = client.get(
        "/api/orgs/organizations", {"kind": "operator", "region": "510100"}, headers=headers
    ).json()
    assert [o["region_code"] for o in ops] == ["510104"]
    everyone = client.get("/api/orgs/organizations", {"region": "510000"}, headers=headers).json()
    assert {"510104", "510300", "510100", "510000"} <= {o["region_code"] for o in everyone}
    r = client.get("/api/orgs/organizations", {"region": "51x"}, headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "R02.1"
