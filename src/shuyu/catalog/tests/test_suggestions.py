"""Sensitivity suggestions from a sample of the vault (R07.1): counts and shares, never a value.

A canary name and real-looking ID numbers are loaded; no output (service, ledger, API, CLI, page) may
contain them."""

import json

import pytest
from typer.testing import CliRunner

from shuyu import ledger
from shuyu.catalog import services, synthetic
from shuyu.catalog.models import ResourceField
from shuyu.cli.main import app
from shuyu.core.errors import DomainError, PermissionDenied
from shuyu.ledger.models import LedgerEntry

from .conftest import CANARY, id_number, people_csv

ROWS = 40
BAD_ID = "51010419900101123"  # one bad ID number: 39 of 40 pass the check digit


@pytest.fixture
def loaded(provider, graded, tmp_path):
    path = people_csv(tmp_path / "p.csv", ROWS, names=[CANARY], bad={3: ("id_no", BAD_ID)})
    services.ingest_file(provider, resource_id=graded.pk, path=path)
    return graded


def _values() -> list[str]:
    """Values that must never appear in any output."""
    return [CANARY, BAD_ID, "510104", "100.50", *(id_number(i + 1) for i in range(ROWS))]


def _assert_no_value(text: str) -> None:
    for v in _values():
        assert v not in text, v


def _by_field(out) -> dict:
    return {f.field: f for f in out.fields}


def test_r07_1_suggestions_from_a_vault_sample_are_counts_only(provider, loaded):
    before = ledger.size()
    out = services.suggest_field_sensitivity(provider, resource_id=loaded.pk)
    assert (out.version, out.rows) == (1, ROWS)
    f = _by_field(out)
    assert (f["id_no"].suggested, f["id_no"].format, f["id_no"].is_disclosure_unit) == (
        "direct",
        "cn_id",
        True,
    )
    assert (f["id_no"].sampled, f["id_no"].passed, f["id_no"].share) == (40, 39, 0.975)
    assert "39个（97.5%）通过身份证号码校验位" in f["id_no"].reason_zh
    assert f["name"].suggested == "direct" and f["name"].passed == 0  # by its label 姓名
    assert f["district"].suggested == "quasi"  # 区县
    assert f["amount"].suggested == "none" and f["amount"].type == "decimal"
    assert f["paid_on"].type == "date" and f["months"].type == "integer"
    _assert_no_value(repr(out))
    # Stored on the fields for the person who confirms, and one ledger entry with the same counts.
    stored = dict(ResourceField.objects.filter(resource=loaded).values_list("name", "suggested_sensitivity"))
    assert stored["id_no"] == "direct" and stored["amount"] == "none"
    assert ledger.size() == before + 1
    entry = LedgerEntry.objects.filter(action="catalog.fields.suggested").get()
    payload = json.loads(entry.payload)
    assert payload["rows"] == ROWS and payload["fields"][0] == {
        "field": "id_no",
        "suggested": "direct",
        "format": "cn_id",
        "sampled": 40,
        "passed": 39,
    }
    _assert_no_value(entry.payload)


def test_r07_1_the_sample_is_capped(provider, loaded):
    out = services.suggest_field_sensitivity(provider, resource_id=loaded.pk, rows=10)
    assert out.rows == 10 and _by_field(out)["id_no"].sampled == 10


def test_r07_1_suggestions_on_the_synthetic_social_insurance_data(make_resource, provider, tmp_path):
    spec = synthetic.SPECS["hrss"]
    fields = [
        f.__class__(**(f.__dict__ | {"sensitivity": "none", "is_disclosure_unit": False}))
        for f in spec.fields
    ]
    r = make_resource(fields=fields, code="SYN-HRSS")
    services.ingest_file(
        provider, resource_id=r.pk, path=synthetic.write_csv("hrss", tmp_path / "h.csv", rows=3000)
    )
    f = _by_field(services.suggest_field_sensitivity(provider, resource_id=r.pk))
    assert (f["id_no"].suggested, f["id_no"].format, f["id_no"].share) == ("direct", "cn_id", 1.0)
    assert f["id_no"].sampled == 3000
    assert f["name"].suggested == "direct" and f["district"].suggested == "quasi"
    assert f["amount"].suggested == "none" and f["id_no"].sensitivity == "none"  # nothing confirmed yet


def test_r07_1_the_industry_authority_may_ask_the_wrong_organization_is_refused(
    make_actor, authority, loaded
):
    assert services.suggest_field_sensitivity(authority, resource_id=loaded.pk).rows == ROWS
    stranger = make_actor("data_source_unit", "510100")
    before = ledger.size()
    with pytest.raises(PermissionDenied) as err:
        services.suggest_field_sensitivity(stranger, resource_id=loaded.pk)
    assert err.value.requirement == "R07.1"
    assert ledger.size() == before + 1
    entry = LedgerEntry.objects.filter(action="catalog.suggestion.refused").get()
    assert json.loads(entry.payload) == {"act": "suggest_field_sensitivity", "requirement": "R07.1"}


def test_r23_1_nothing_loaded_nothing_to_sample(provider, graded):
    with pytest.raises(DomainError) as err:
        services.suggest_field_sensitivity(provider, resource_id=graded.pk)
    assert err.value.requirement == "R23.1"


@pytest.fixture
def bearer(admin):
    from shuyu.orgs import tokens

    return lambda actor: {
        "Authorization": f"Bearer {tokens.issue_token(admin, person_id=actor.person_id).raw}"
    }


def test_r07_1_api_suggestions_have_no_value_and_wrong_org_is_403(
    client, make_actor, provider, loaded, bearer
):
    r = client.post(f"/api/catalog/resources/{loaded.pk}/suggestions", headers=bearer(provider))
    assert r.status_code == 201, r.content
    body = r.json()
    assert (
        body["rows"] == ROWS and body["fields"][0]["passed"] == 39 and body["fields"][0]["format"] == "cn_id"
    )
    _assert_no_value(r.content.decode())
    other = make_actor("data_source_unit", "510100")
    r = client.post(f"/api/catalog/resources/{loaded.pk}/suggestions", headers=bearer(other))
    assert r.status_code == 403 and r.json()["code"] == "R07.1"


def test_r07_1_cli_resource_suggest_code(make_actor, provider, loaded, admin):
    from shuyu.orgs import tokens

    def run(actor, target):
        token = tokens.issue_token(admin, person_id=actor.person_id).raw
        return CliRunner().invoke(app, ["resource", "suggest", target, "--token", token])

    out = run(provider, loaded.code)
    assert out.exit_code == 0, out.output
    assert "cn_id" in out.output and "39/40" in out.output and "40 行" in out.output
    _assert_no_value(out.output)
    assert run(provider, str(loaded.pk)).exit_code == 0
    out = run(make_actor("data_source_unit", "510100"), loaded.code)
    assert out.exit_code == 1 and "R07.1" in out.output


def test_r07_1_resource_page_suggests_to_who_may_classify_and_the_provider_confirms(
    client, provider, agency, loaded
):
    from shuyu.orgs.models import Person

    def login(actor):
        client.force_login(Person.objects.get(pk=actor.person_id).user)

    url = f"/catalog/manage/{loaded.pk}/"
    login(agency)  # sees the resource; its role may not classify (refused before R07.1's org check)
    assert "抽样生成建议" not in client.get(url).content.decode()
    r = client.post(url + "suggest/")
    assert r.status_code == 403 and "R22.1" in r.content.decode() and "39/40" not in r.content.decode()
    _assert_no_value(r.content.decode())
    login(provider)
    assert "抽样生成建议" in client.get(url).content.decode()
    r = client.post(url + "suggest/")
    page = r.content.decode()
    assert r.status_code == 200 and "39/40" in page and "97.5%" in page and "采纳" in page
    _assert_no_value(page)
    ResourceField.objects.filter(resource=loaded, name="district").update(sensitivity="none")
    r = client.post(url + "fields/district/confirm/", {"sensitivity": "quasi"})
    assert r.status_code == 302
    f = ResourceField.objects.get(resource=loaded, name="district")
    assert f.sensitivity == "quasi" and f.sensitivity_confirmed_at is not None


def test_r07_1_the_share_is_floored_never_rounded_up_to_all():
    from shuyu.catalog import detect

    s = detect.suggest("x", "", [id_number(i) for i in range(999)] + ["51010419900101123"])
    assert (s.format, s.sampled, s.passed, s.share) == ("cn_id", 1000, 999, 0.999)
    assert "999个（99.9%）" in s.reason_zh and "(99.9%)" in s.reason_en
