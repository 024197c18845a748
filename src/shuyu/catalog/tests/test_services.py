"""Use cases through the services: who may act, what is recorded, and the registration procedure."""

import datetime as dt

import pytest

from shuyu import ledger
from shuyu.catalog import rules, selectors, services
from shuyu.catalog.models import DataResource, GradingDecision
from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError, NotFound, PermissionDenied

from .conftest import START, people_csv

MATERIALS = {k: f"附件：{v}.pdf" for k, v in rules.FIRST_MATERIALS.items()}


def _grade(actor, resource, impacts=(("individual_rights", "serious"),)):
    return services.classify_resource(
        actor,
        resource_id=resource.pk,
        sector="人力资源和社会保障",
        impacts=list(impacts),
        grading_factors={"规模": "全市"},
    )


def test_r07_1_provider_grades_and_the_factors_are_stored(provider, make_resource):
    r = make_resource()
    before = ledger.size()
    d = _grade(provider, r, [("individual_rights", "serious"), ("public_interest", "serious")])
    r.refresh_from_db()
    assert (r.grading_level, d.level, d.basis) == ("important", "important", "data_source_unit")
    assert d.impacts == [["individual_rights", "serious"], ["public_interest", "serious"]]
    assert d.grading_factors == {"规模": "全市"} and r.graded_by_person_id == provider.person_id
    assert ledger.size() == before + 1


def test_r07_1_industry_authority_may_grade(authority, make_resource):
    d = _grade(authority, make_resource())
    assert d.basis == "industry_authority"


def test_r07_1_classification_by_the_wrong_organization_is_refused(make_actor, make_resource):
    r = make_resource()
    for stranger in (make_actor("data_source_unit", "510100"), make_actor("industry_authority", "510000")):
        before = ledger.size()
        with pytest.raises(PermissionDenied) as err:
            _grade(stranger, r)
        assert err.value.requirement == "R07.1"
        # The act wrote nothing; only its refusal is logged (STYLE.md).
        assert ledger.size() == before + 1 and not GradingDecision.objects.exists()
    r.refresh_from_db()
    assert r.grading_level == ""


def test_n_cls_7_important_data_needs_assessment_then_data_admin_approval(
    provider, data_admin, make_resource
):
    r = make_resource()
    _grade(provider, r, [("economic_operation", "serious")])
    facts = selectors.resource_facts([r.pk])[r.pk]
    with pytest.raises(DomainError):
        rules.check_resource_may_enter_scope(facts)
    with pytest.raises(DomainError) as err:
        services.approve_important_data(data_admin, resource_id=r.pk)
    assert err.value.requirement == "N-CLS.7"
    services.record_risk_assessment(provider, resource_id=r.pk, report_ref="风险评估报告〔2026〕3号")
    with pytest.raises(PermissionDenied):
        services.approve_important_data(provider, resource_id=r.pk)
    services.approve_important_data(data_admin, resource_id=r.pk)
    rules.check_resource_may_enter_scope(selectors.resource_facts([r.pk])[r.pk])
    # Re-grading to another level voids the approval.
    _grade(provider, r, [("economic_operation", "especially_serious")])
    with pytest.raises(DomainError):
        rules.check_resource_may_enter_scope(selectors.resource_facts([r.pk])[r.pk])


def test_r05_3_shared_data_needs_the_providing_units_consent(make_actor, provider, make_resource):
    origin = make_actor("data_source_unit", "510000", name="四川省医疗保障局")
    r = make_resource(shared_from_id=origin.org_id)
    _grade(provider, r)
    with pytest.raises(DomainError) as err:
        rules.check_resource_may_enter_scope(selectors.resource_facts([r.pk])[r.pk])
    assert err.value.requirement == "R05.3"
    with pytest.raises(PermissionDenied):
        services.record_sharing_consent(provider, resource_id=r.pk, consent_ref="同意函")
    services.record_sharing_consent(origin, resource_id=r.pk, consent_ref="川医保函〔2026〕12号")
    rules.check_resource_may_enter_scope(selectors.resource_facts([r.pk])[r.pk])


def test_r05_2_forbidden_resource_can_be_cataloged_but_never_enters_scope(provider, make_resource):
    r = make_resource(involves_state_secrets=True)
    _grade(provider, r)
    with pytest.raises(DomainError) as err:
        rules.check_resource_may_enter_scope(selectors.resource_facts([r.pk])[r.pk])
    assert err.value.requirement == "R05.2"


def test_sensitivity_confirmation_is_recorded(provider, make_resource):
    r = make_resource()
    f = services.confirm_field_sensitivity(
        provider, resource_id=r.pk, field_name="district", sensitivity="direct"
    )
    assert f.sensitivity == "direct" and f.sensitivity_confirmed_by_person_id == provider.person_id
    with pytest.raises(DomainError):  # the disclosure unit must stay a direct identifier
        services.confirm_field_sensitivity(provider, resource_id=r.pk, field_name="id_no", sensitivity="none")


# ------------------------------------------------------------------ registration


@pytest.fixture
def loaded(provider, graded, tmp_path):
    services.ingest_file(provider, resource_id=graded.pk, path=people_csv(tmp_path / "a.csv", 20))
    return graded


def _apply(actor, resource, **kw):
    deposit = services.deposit_evidence(actor, resource_id=resource.pk)
    return services.apply_registration(
        actor, resource_id=resource.pk, materials=MATERIALS, evidence_id=deposit.pk, **kw
    )


def _register(agency, registrar, resource, start=START):
    """申请 → 受理 → 形式审核 → 公示 → 赋码, each on a working day in 2026."""
    with clock.frozen(start):
        reg = _apply(agency, resource)
        services.accept_registration(registrar, registration_id=reg.pk)
        services.complete_review(registrar, registration_id=reg.pk)
    reg.refresh_from_db()
    with clock.frozen(reg.publicity_ends_on + dt.timedelta(days=1)):
        return services.issue_code(registrar, registration_id=reg.pk)


def test_n_reg_5_evidence_deposit_anchors_the_manifest_in_the_ledger(agency, loaded):
    from shuyu.ledger.models import LedgerEntry

    d = services.deposit_evidence(agency, resource_id=loaded.pk)
    entry = LedgerEntry.objects.get(seq=d.ledger_seq)
    assert entry.action == "catalog.evidence.deposited" and d.manifest_sha256 in entry.payload


def test_n_reg_5_applying_without_evidence_is_refused(agency, loaded):
    with pytest.raises(DomainError) as err:
        services.apply_registration(agency, resource_id=loaded.pk, materials=MATERIALS)
    assert err.value.requirement == "N-REG.5"


def test_n_reg_6_full_procedure_with_working_day_deadlines(agency, registrar, loaded):
    with clock.frozen(START):  # Monday 2026-03-02
        reg = _apply(agency, loaded)
        assert reg.accept_due_on == dt.date(2026, 3, 5)  # N-REG.13: 3 working days
        services.accept_registration(registrar, registration_id=reg.pk)
        reg.refresh_from_db()
        assert reg.review_due_on == dt.date(2026, 3, 30)  # N-REG.14: 20 working days
    with clock.frozen(dt.date(2026, 3, 27)):
        services.complete_review(registrar, registration_id=reg.pk)
        reg.refresh_from_db()
        assert (reg.publicity_starts_on, reg.publicity_ends_on) == (
            dt.date(2026, 3, 27),
            dt.date(2026, 4, 13),
        )
        with pytest.raises(DomainError) as err:  # N-REG.15: not before the notice ends (清明 4-4..4-6)
            services.issue_code(registrar, registration_id=reg.pk)
        assert err.value.requirement == "N-REG.15"
    with clock.frozen(dt.date(2026, 4, 14)):
        reg = services.issue_code(registrar, registration_id=reg.pk)
    assert reg.status == "coded" and reg.code.startswith("DJ5100002026R")
    assert (reg.valid_from, reg.expires_on) == (dt.date(2026, 4, 14), dt.date(2029, 4, 13))
    with clock.frozen(dt.date(2026, 4, 14)):
        facts = selectors.resource_facts([loaded.pk])[loaded.pk]
    assert facts.registered


def test_n_reg_13_supplement_once_then_resubmission_restarts_the_clock(agency, registrar, loaded):
    with clock.frozen(START):
        reg = _apply(agency, loaded)
        services.request_supplement(registrar, registration_id=reg.pk, items=["数据合法合规性来源（缺盖章）"])
    with clock.frozen(dt.date(2026, 3, 9)):
        reg = services.resubmit_registration(
            agency, registration_id=reg.pk, materials={"lawful_source": "盖章版"}
        )
        assert reg.status == "applied" and reg.accept_due_on == dt.date(2026, 3, 12)
        with pytest.raises(DomainError) as err:
            services.request_supplement(registrar, registration_id=reg.pk, items=["再补一份"])
        assert err.value.requirement == "N-REG.13"


def test_n_reg_13_not_accepted_needs_a_reason(agency, registrar, loaded):
    with clock.frozen(START):
        reg = _apply(agency, loaded)
        with pytest.raises(DomainError):
            services.reject_registration(registrar, registration_id=reg.pk, reason=" ")
        reg = services.reject_registration(
            registrar, registration_id=reg.pk, reason="申请主体不属于本登记机构管辖"
        )
    assert reg.status == "not_accepted"


def test_n_reg_15_real_name_objection_upheld_terminates(agency, registrar, make_actor, loaded):
    citizen = make_actor("developer", "510100")
    with clock.frozen(START):
        reg = _apply(agency, loaded)
        services.accept_registration(registrar, registration_id=reg.pk)
        services.complete_review(registrar, registration_id=reg.pk)
        with pytest.raises(DomainError):
            services.file_objection(Actor.anonymous(), registration_id=reg.pk, reason="x", evidence_ref="y")
        o = services.file_objection(
            citizen, registration_id=reg.pk, reason="数据来源不合法", evidence_ref="证据.pdf"
        )
        services.decide_objection(registrar, objection_id=o.pk, upheld=True, note="来源材料不实")
    reg.refresh_from_db()
    assert reg.status == "terminated"


def test_n_reg_15_rejected_objection_returns_to_notice(agency, registrar, make_actor, loaded):
    citizen = make_actor("developer", "510100")
    with clock.frozen(START):
        reg = _apply(agency, loaded)
        services.accept_registration(registrar, registration_id=reg.pk)
        services.complete_review(registrar, registration_id=reg.pk)
        o = services.file_objection(citizen, registration_id=reg.pk, reason="重复登记", evidence_ref="截图")
        services.decide_objection(registrar, objection_id=o.pk, upheld=False, note="不属实")
    reg.refresh_from_db()
    assert reg.status == "publicizing"


def test_r05_2_registering_a_forbidden_resource_is_refused(agency, provider, make_resource, tmp_path):
    r = make_resource(legally_not_open=True)
    _grade(provider, r)
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.apply_registration(agency, resource_id=r.pk, materials=MATERIALS)
    # Nothing registered; the refusal itself is logged (STYLE.md), see test_alerts_corrections_refusals.
    assert err.value.requirement == "R05.2" and ledger.size() == before + 1


def test_n_reg_1_only_provider_or_agency_applies(make_actor, loaded):
    operator = make_actor("operator", "510100")
    with pytest.raises(PermissionDenied):
        services.deposit_evidence(operator, resource_id=loaded.pk)


def test_registrar_acts_need_the_registrar_role(agency, loaded):
    with clock.frozen(START):
        reg = _apply(agency, loaded)
        with pytest.raises(PermissionDenied):
            services.accept_registration(agency, registration_id=reg.pk)


def test_n_reg_17_renewal_window_and_lapse(agency, registrar, loaded):
    reg = _register(agency, registrar, loaded)
    with clock.frozen(reg.expires_on - dt.timedelta(days=90)), pytest.raises(DomainError):
        services.renew_registration(agency, registration_id=reg.pk)
    with clock.frozen(reg.expires_on - dt.timedelta(days=30)):
        renewed = services.renew_registration(agency, registration_id=reg.pk)
    assert (reg.expires_on, renewed.expires_on) == (dt.date(2029, 3, 16), dt.date(2032, 3, 16))
    with clock.frozen(dt.date(2032, 4, 14)):
        assert services.expire_registrations(Actor.system("deadline-sweeper")) == 1
        assert not selectors.resource_facts([loaded.pk])[loaded.pk].registered


def test_n_reg_7_change_supersedes_and_keeps_the_term(agency, registrar, loaded):
    first = _register(agency, registrar, loaded)
    with clock.frozen(dt.date(2026, 5, 6)):
        change = _apply(agency, loaded, kind="change")
        services.accept_registration(registrar, registration_id=change.pk)
        services.complete_review(registrar, registration_id=change.pk)
    change.refresh_from_db()
    with clock.frozen(change.publicity_ends_on + dt.timedelta(days=1)):
        change = services.issue_code(registrar, registration_id=change.pk)
    first.refresh_from_db()
    assert first.status == "superseded" and change.expires_on == first.expires_on


def test_n_reg_12_cancellation(agency, registrar, loaded):
    first = _register(agency, registrar, loaded)
    with clock.frozen(dt.date(2026, 5, 6)):
        c = services.apply_registration(
            agency, resource_id=loaded.pk, materials={"reason": "数据灭失"}, kind="cancellation"
        )
        c = services.accept_registration(registrar, registration_id=c.pk)
        assert c.review_due_on == dt.date(2026, 5, 19)  # 10 working days (5-9 is a make-up working day)
        services.complete_review(registrar, registration_id=c.pk)
    first.refresh_from_db()
    assert first.status == "cancelled"


def test_n_reg_16_code_format_is_pluggable(agency, registrar, data_admin, loaded):
    services.register_code_format(
        "test-fmt", generate=lambda reg, seq: f"T{seq:04d}", validate=lambda c: c.startswith("T")
    )
    services.set_catalog_policy(data_admin, code_format="test-fmt")
    reg = _register(agency, registrar, loaded)
    assert reg.code == "T0001"
    services.CODE_FORMATS.pop("test-fmt")


def test_r17_1_unregistered_resource_passes_until_20_working_days_after_first_provision(
    agency, registrar, data_admin, loaded
):
    facts = lambda: selectors.resource_facts([loaded.pk])[loaded.pk]  # noqa: E731
    with clock.frozen(START):
        rules.check_resource_may_enter_scope(facts())  # national default: not provided yet
        services.record_first_provision(agency, resource_id=loaded.pk, on=START)
    with clock.frozen(dt.date(2026, 3, 30)):  # the 20th working day
        rules.check_resource_may_enter_scope(facts())
    with clock.frozen(dt.date(2026, 3, 31)):
        with pytest.raises(DomainError) as err:
            rules.check_resource_may_enter_scope(facts())
        assert err.value.requirement == "R17.1"
        deadlines = selectors.registration_deadlines(agency)
        assert deadlines and deadlines[0].overdue
        _apply(agency, loaded)  # a pending application lifts the block
        rules.check_resource_may_enter_scope(facts())


def test_r17_1_code_first_policy_blocks_until_coded(agency, registrar, data_admin, loaded):
    services.set_catalog_policy(data_admin, code_before_use=True)
    with pytest.raises(DomainError) as err:
        rules.check_resource_may_enter_scope(selectors.resource_facts([loaded.pk])[loaded.pk])
    assert err.value.requirement == "R17.1"
    reg = _register(agency, registrar, loaded)
    with clock.frozen(reg.valid_from):
        rules.check_resource_may_enter_scope(selectors.resource_facts([loaded.pk])[loaded.pk])


def test_selectors_hide_other_units_resources(make_actor, make_resource, provider):
    r = make_resource()
    stranger = make_actor("data_source_unit", "510100")
    assert list(selectors.visible_to(provider)) == [r]
    assert not selectors.visible_to(stranger).exists()
    with pytest.raises(NotFound):
        selectors.get_resource_for(stranger, r.pk)
    assert DataResource.objects.count() == 1


def test_n_reg_18_revocation_needs_a_reason_and_ends_the_registration(agency, registrar, loaded):
    reg = _register(agency, registrar, loaded)
    with clock.frozen(reg.valid_from):
        with pytest.raises(DomainError):
            services.revoke_registration(registrar, registration_id=reg.pk, reason="")
        services.revoke_registration(registrar, registration_id=reg.pk, reason="申请材料虚假")
        assert not selectors.resource_facts([loaded.pk])[loaded.pk].registered


def test_n_reg_16_a_code_is_unique(agency, registrar, provider, loaded, make_resource, tmp_path):
    first = _register(agency, registrar, loaded)
    other = make_resource()
    _grade(provider, other)
    services.ingest_file(provider, resource_id=other.pk, path=people_csv(tmp_path / "o.csv", 5))
    with clock.frozen(START):
        reg = _apply(agency, other)
        services.accept_registration(registrar, registration_id=reg.pk)
        reg = services.complete_review(registrar, registration_id=reg.pk)
    with clock.frozen(reg.publicity_ends_on + dt.timedelta(days=1)), pytest.raises(DomainError) as err:
        services.issue_code(registrar, registration_id=reg.pk, code=first.code)
    assert err.value.requirement == "N-REG.16"


def test_r23_1_consistency_rules_and_validity_are_counted(provider, graded, tmp_path):
    services.add_consistency_rule(provider, resource_id=graded.pk, left="months", op="<=", right="amount")
    with pytest.raises(DomainError):
        services.add_consistency_rule(
            provider, resource_id=graded.pk, left="months", op="; DROP", right="amount"
        )
    path = people_csv(tmp_path / "q.csv", 20, bad={0: ("amount", "0.50"), 1: ("district", "000000")})
    v = services.ingest_file(provider, resource_id=graded.pk, path=path)
    q = v.quality_reports.get()
    assert q.details["rules"][0]["violations"] == 1
    assert q.details["fields"]["district"]["invalid"] == 1 and q.details["fields"]["id_no"]["invalid"] == 0
    assert q.validity < 1 and q.consistency == pytest.approx(1 - 1 / 20)


@pytest.mark.postgres_only
def test_r23_1_a_postgresql_table_loads_by_url(provider, graded, settings):
    import psycopg

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        pytest.skip("needs PostgreSQL")
    from django.db import connection

    url = f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{connection.settings_dict['NAME']}"
    from .conftest import id_number

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS src_people")
        conn.execute(
            "CREATE TABLE src_people (id_no text, name text, district text, amount numeric, paid_on date, months int)"
        )
        with conn.cursor().copy("COPY src_people FROM STDIN") as copy:
            for i in range(25):
                copy.write_row((id_number(i + 1), f"名{i}", "510104", "1.50", "2026-01-02", i))
    try:
        v = services.ingest_postgres(provider, resource_id=graded.pk, url=url, table="public.src_people")
        assert v.row_count == 25
        with pytest.raises(DomainError):
            services.ingest_postgres(provider, resource_id=graded.pk, url=url, table="src_people; drop")
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TABLE src_people")
