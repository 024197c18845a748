"""N-REG.10 change alerts, N-REG.11 corrections, N-REG.9's transitional deadline (R32.1), refused sensitive
acts logged to the ledger (STYLE.md), and the registration deadlines on the agency's dashboard."""

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from shuyu import ledger
from shuyu.catalog import rules, selectors, services
from shuyu.catalog.models import (
    DataResource,
    GradingDecision,
    Registration,
    RegistrationKind,
    ResourceVersion,
)
from shuyu.cli.main import app
from shuyu.core import clock
from shuyu.core.calendar import add_workdays
from shuyu.core.errors import DomainError, PermissionDenied
from shuyu.ledger.models import LedgerEntry

from .conftest import START, people_csv
from .test_services import MATERIALS, _apply, _register


@pytest.fixture
def loaded(provider, graded, tmp_path):
    with clock.frozen(START):
        services.ingest_file(provider, resource_id=graded.pk, path=people_csv(tmp_path / "a.csv", 20))
    return graded


@pytest.fixture
def coded(agency, registrar, loaded):
    return _register(agency, registrar, loaded)


def _login(client, actor):
    from shuyu.orgs.models import Person

    client.force_login(Person.objects.get(pk=actor.person_id).user)
    return client


def _token(admin, actor):
    from shuyu.orgs import tokens

    return tokens.issue_token(admin, person_id=actor.person_id).raw


# ------------------------------------------------------------------ N-REG.10


def test_n_reg_10_new_version_after_registration_raises_a_change_alert(
    client, admin, provider, agency, registrar, coded, tmp_path
):
    assert selectors.change_registration_alerts(registrar) == []
    changed_on = coded.coded_at.date() + dt.timedelta(days=7)
    with clock.frozen(changed_on):
        v2 = services.ingest_file(
            provider, resource_id=coded.resource_id, path=people_csv(tmp_path / "b.csv", 25)
        )
    due = add_workdays(changed_on, 20)
    for who in (registrar, agency, provider):
        with clock.frozen(due):
            (alert,) = selectors.change_registration_alerts(who)
            assert (alert.resource_id, alert.version_number, alert.changed_on) == (
                coded.resource_id,
                v2.number,
                changed_on,
            )
            assert (alert.due_on, alert.overdue, alert.registration_code) == (due, False, coded.code)
            steps = {(d.step, d.due_on, d.overdue) for d in selectors.registration_deadlines(who)}
            assert ("变更登记申请", due, False) in steps
    with clock.frozen(due + dt.timedelta(days=1)):
        assert selectors.change_registration_alerts(agency)[0].overdue
        r = client.get(
            "/api/catalog/change-alerts", headers={"Authorization": f"Bearer {_token(admin, registrar)}"}
        )
        assert r.status_code == 200 and r.json()[0]["overdue"] is True and r.json()[0]["due_on"] == str(due)
        out = CliRunner().invoke(app, ["registration", "changes", "--token", _token(admin, agency)])
        assert out.exit_code == 0 and str(due) in out.output and "OVERDUE" in out.output
        page = _login(client, registrar).get("/catalog/manage/").content.decode()
        assert 'id="change-alerts"' in page and coded.code in page


def test_n_reg_10_days_come_from_the_policy_and_a_change_application_clears_the_alert(
    provider, agency, registrar, data_admin, coded, tmp_path
):
    changed_on = coded.coded_at.date() + dt.timedelta(days=7)
    with clock.frozen(changed_on):
        services.ingest_file(provider, resource_id=coded.resource_id, path=people_csv(tmp_path / "b.csv", 25))
    before = ledger.size()
    services.set_catalog_policy(data_admin, change_registration_workdays=5)
    assert ledger.size() == before + 1
    with pytest.raises(DomainError) as err:
        services.set_catalog_policy(data_admin, change_registration_workdays=0)
    assert err.value.requirement == "N-REG.10"
    with clock.frozen(changed_on):
        (alert,) = selectors.change_registration_alerts(registrar)
        assert alert.due_on == add_workdays(changed_on, 5)
        reg = _apply(agency, DataResource.objects.get(pk=coded.resource_id), kind=RegistrationKind.CHANGE)
        assert reg.kind == "change"
        assert selectors.change_registration_alerts(registrar) == []


def test_n_reg_10_no_alert_when_the_registered_version_is_still_the_latest(registrar, agency, coded):
    with clock.frozen(coded.expires_on - dt.timedelta(days=1)):
        assert selectors.change_registration_alerts(registrar) == []
        assert all(d.step != "变更登记申请" for d in selectors.registration_deadlines(agency))


# ------------------------------------------------------------------ N-REG.11


def _through_publicity(registrar, reg, day):
    with clock.frozen(day):
        services.accept_registration(registrar, registration_id=reg.pk)
        services.complete_review(registrar, registration_id=reg.pk)
    reg.refresh_from_db()
    with clock.frozen(reg.publicity_ends_on + dt.timedelta(days=1)):
        return services.issue_code(registrar, registration_id=reg.pk)


def test_n_reg_11_registrant_requests_a_correction_its_request_is_the_written_consent(
    agency, registrar, coded
):
    day = coded.coded_at.date() + dt.timedelta(days=3)
    with clock.frozen(day):
        fix = services.request_correction(
            agency,
            registration_id=coded.pk,
            corrections={"summary": "成都市参保人员社会保险缴费明细（2020年起）"},
            reason="简介漏写起始年份",
        )
    assert (fix.kind, fix.requested_by, fix.correction_basis) == ("correction", "registrant", "consent")
    assert fix.applicant_org_id == coded.applicant_org_id and fix.previous_id == coded.pk
    entry = LedgerEntry.objects.filter(action="catalog.correction.requested").get()
    assert json.loads(entry.payload)["fields"] == ["summary"] and "2020" not in entry.payload
    done = _through_publicity(registrar, fix, day)
    coded.refresh_from_db()
    assert done.status == "coded" and coded.status == "superseded"
    assert done.summary.endswith("（2020年起）") and done.expires_on == coded.expires_on


def test_n_reg_11_interested_party_needs_evidence_and_the_registrar_records_its_basis(
    make_actor, registrar, coded
):
    party = make_actor("operator", "510100", name="利害关系人公司")
    day = coded.coded_at.date() + dt.timedelta(days=3)
    with clock.frozen(day):
        with pytest.raises(DomainError) as err:
            services.request_correction(
                party, registration_id=coded.pk, corrections={"data_name": "x"}, reason="名称有误"
            )
        assert err.value.requirement == "N-REG.11"
        with pytest.raises(DomainError) as err:
            services.request_correction(
                party,
                registration_id=coded.pk,
                corrections={"provider": "x"},
                reason="r",
                evidence_ref="证明.pdf",
            )
        assert err.value.requirement == "N-REG.11"
        fix = services.request_correction(
            party,
            registration_id=coded.pk,
            corrections={"data_name": "成都市社会保险缴费记录"},
            reason="登记名称与数源单位目录不一致",
            evidence_ref="目录截图及公函〔2026〕8号",
        )
        assert (fix.requested_by, fix.correction_basis, fix.requester_org_id) == (
            "interested_party",
            "",
            party.org_id,
        )
        services.accept_registration(registrar, registration_id=fix.pk)
        before = ledger.size()
        with pytest.raises(DomainError) as err:  # no consent, no evidence recorded: no review
            services.complete_review(registrar, registration_id=fix.pk)
        assert err.value.requirement == "N-REG.11" and ledger.size() == before
        with pytest.raises(PermissionDenied):
            services.record_correction_basis(party, registration_id=fix.pk, basis="evidence", ref="x")
        with pytest.raises(DomainError):
            services.record_correction_basis(registrar, registration_id=fix.pk, basis="guess", ref="x")
        fix = services.record_correction_basis(
            registrar, registration_id=fix.pk, basis="evidence", ref="核查意见〔2026〕2号"
        )
        assert (fix.correction_basis, fix.correction_basis_ref) == ("evidence", "核查意见〔2026〕2号")
        services.complete_review(registrar, registration_id=fix.pk)
    fix.refresh_from_db()
    with clock.frozen(fix.publicity_ends_on + dt.timedelta(days=1)):
        done = services.issue_code(registrar, registration_id=fix.pk)
    assert done.data_name == "成都市社会保险缴费记录"


def test_n_reg_11_correction_through_the_api_and_the_cli(client, admin, make_actor, registrar, coded):
    party = make_actor("operator", "510100")
    day = coded.coded_at.date() + dt.timedelta(days=3)
    with clock.frozen(day):
        r = client.post(
            f"/api/catalog/registrations/{coded.pk}/corrections",
            json.dumps(
                {"corrections": {"summary": "更正后的简介"}, "reason": "简介有误", "evidence_ref": "函"}
            ),
            content_type="application/json",
            headers={"Authorization": f"Bearer {_token(admin, party)}"},
        )
        assert r.status_code == 201, r.content
        body = r.json()
        assert (body["kind"], body["requested_by"], body["correction_basis"]) == (
            "correction",
            "interested_party",
            "",
        )
        out = CliRunner().invoke(
            app,
            [
                "registration",
                "basis",
                str(body["id"]),
                "consent",
                "--ref",
                "登记主体同意函",
                "--token",
                _token(admin, registrar),
            ],
        )
        assert out.exit_code == 0, out.output
        assert Registration.objects.get(pk=body["id"]).correction_basis == "consent"
        bad = client.post(
            f"/api/catalog/registrations/{coded.pk}/corrections",
            json.dumps({"corrections": {"summary": "x"}, "reason": "r"}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {_token(admin, party)}"},
        )
        assert bad.status_code == 422 and bad.json()["code"] in ("N-REG.11", "N-REG.6")


def test_n_reg_11_cli_registrant_correction(admin, agency, coded):
    with clock.frozen(coded.coded_at.date() + dt.timedelta(days=3)):
        out = CliRunner().invoke(
            app,
            [
                "registration",
                "correct",
                str(coded.pk),
                "--set",
                "summary=新的简介",
                "--reason",
                "简介有误",
                "--token",
                _token(admin, agency),
            ],
        )
    assert out.exit_code == 0, out.output
    assert Registration.objects.filter(kind="correction", requested_by="registrant").count() == 1


# ------------------------------------------------------------------ N-REG.9 second part, R32.1


def test_n_reg_9_pre_existing_operation_deadline_is_2025_04_14_from_the_calendar(agency, provider, graded):
    assert selectors.transition_due_on() == dt.date(2025, 4, 14)
    assert selectors.transition_due_on() == add_workdays(rules.MEASURES_EFFECTIVE_ON, 30)
    with pytest.raises(PermissionDenied):
        services.record_pre_existing_operation(provider, resource_id=graded.pk)
    services.record_pre_existing_operation(agency, resource_id=graded.pk)
    with clock.frozen(dt.date(2025, 4, 14)):
        f = selectors.resource_facts([graded.pk])[graded.pk]
        assert (f.registration_due_on, f.registration_overdue) == (dt.date(2025, 4, 14), False)
        rules.check_resource_may_enter_scope(f)
    with clock.frozen(dt.date(2025, 4, 15)):
        f = selectors.resource_facts([graded.pk])[graded.pk]
        assert f.registration_overdue
        with pytest.raises(DomainError) as err:
            rules.check_resource_may_enter_scope(f)
        assert err.value.requirement == "R17.1"
        (d,) = [d for d in selectors.registration_deadlines(agency) if d.due_on == dt.date(2025, 4, 14)]
        assert d.overdue and "存量" in d.step


def test_r32_1_pre_existing_deadline_through_the_api_and_the_cli(client, admin, agency, graded):
    with clock.frozen(dt.date(2025, 5, 6)):
        r = client.post(
            f"/api/catalog/resources/{graded.pk}/pre-existing",
            headers={"Authorization": f"Bearer {_token(admin, agency)}"},
        )
        assert r.status_code == 200, r.content
        assert (r.json()["registration_due_on"], r.json()["registration_overdue"]) == ("2025-04-14", True)
        out = CliRunner().invoke(
            app, ["resource", "pre-existing", str(graded.pk), "--token", _token(admin, agency)]
        )
        assert out.exit_code == 0 and "2025-04-14" in out.output and "OVERDUE" in out.output
        page = _login(client, agency).get(f"/catalog/manage/{graded.pk}/")
        assert "2025-04-14" in page.content.decode() and "逾期" in page.content.decode()


# ------------------------------------------------------------------ refused sensitive acts (STYLE.md)


def _refusals(action):
    return list(LedgerEntry.objects.filter(action=action))


def _check_one_refusal(action, requirement, resource, before):
    assert ledger.size() == before + 1
    (entry,) = _refusals(action)
    payload = json.loads(entry.payload)
    assert payload["requirement"] == requirement and entry.subject_id == str(resource.pk)
    assert resource.name not in entry.payload and resource.code not in entry.payload
    assert set(payload) == {"act", "requirement"}


def test_r07_1_refused_classification_is_logged_with_the_id(make_actor, make_resource):
    r = make_resource()
    stranger = make_actor("data_source_unit", "510100")
    before = ledger.size()
    with pytest.raises(PermissionDenied) as err:
        services.classify_resource(
            stranger,
            resource_id=r.pk,
            sector="人力资源和社会保障",
            impacts=[("individual_rights", "serious")],
            grading_factors={"规模": "全市"},
        )
    assert err.value.requirement == "R07.1"
    assert not GradingDecision.objects.exists() and DataResource.objects.get(pk=r.pk).grading_level == ""
    _check_one_refusal("catalog.grading.refused", "R07.1", r, before)


def test_r05_2_refused_registration_of_a_forbidden_resource_is_logged(
    agency, provider, make_resource, tmp_path
):
    r = make_resource(involves_state_secrets=True)
    services.classify_resource(
        provider,
        resource_id=r.pk,
        sector="人力资源和社会保障",
        impacts=[("individual_rights", "serious")],
        grading_factors={"规模": "全市"},
    )
    services.ingest_file(provider, resource_id=r.pk, path=people_csv(tmp_path / "a.csv", 5))
    deposit = services.deposit_evidence(agency, resource_id=r.pk)
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.apply_registration(agency, resource_id=r.pk, materials=MATERIALS, evidence_id=deposit.pk)
    assert err.value.requirement == "R05.2"
    assert not Registration.objects.exists()
    _check_one_refusal("catalog.registration.refused", "R05.2", r, before)


def test_r22_1_refused_ingest_by_a_non_provider_is_logged(make_actor, graded, tmp_path):
    stranger = make_actor("data_source_unit", "510100")
    before = ledger.size()
    with pytest.raises(PermissionDenied) as err:
        services.ingest_file(stranger, resource_id=graded.pk, path=people_csv(tmp_path / "a.csv", 5))
    assert err.value.requirement == "R22.1"
    assert not ResourceVersion.objects.exists()
    _check_one_refusal("catalog.version.refused", "R22.1", graded, before)


def test_n_cls_7_refused_approval_by_the_wrong_actor_is_logged(make_actor, provider, make_resource):
    r = make_resource()
    services.classify_resource(
        provider,
        resource_id=r.pk,
        sector="人力资源和社会保障",
        impacts=[("economic_operation", "serious")],
        grading_factors={"规模": "全市"},
    )
    services.record_risk_assessment(provider, resource_id=r.pk, report_ref="评估报告")
    for wrong in (provider, make_actor("data_admin", "510800")):  # no role; another region
        before = ledger.size()
        with pytest.raises(PermissionDenied) as err:
            services.approve_important_data(wrong, resource_id=r.pk)
        assert ledger.size() == before + 1
        assert DataResource.objects.get(pk=r.pk).important_approved_at is None
        last = LedgerEntry.objects.order_by("-seq").first()
        assert (last.action, json.loads(last.payload)["requirement"]) == (
            "catalog.important_data.refused",
            err.value.requirement,
        )
    assert len(_refusals("catalog.important_data.refused")) == 2


def test_bad_input_is_not_a_sensitive_refusal_and_logs_nothing(provider, graded, tmp_path):
    before = ledger.size()
    with pytest.raises(DomainError):
        services.ingest_file(
            provider, resource_id=graded.pk, path=people_csv(tmp_path / "a.csv", 5, bad={2: ("months", "x")})
        )
    assert ledger.size() == before


# ------------------------------------------------------------------ the agency's dashboard


def test_n_reg_9_registration_deadlines_show_on_the_agency_dashboard(client, agency, graded):
    services.record_pre_existing_operation(agency, resource_id=graded.pk)
    with clock.frozen(dt.date(2025, 5, 6)):
        page = _login(client, agency).get("/agency/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="registration-deadlines"' in html and "2025-04-14" in html and graded.name in html
    assert "逾期" in html
