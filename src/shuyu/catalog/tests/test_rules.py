"""Pure rules: scope entry, grading table, identifiers, field specs, the registration workflow."""

import dataclasses
import datetime as dt

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuyu.catalog import detect, quality, rules
from shuyu.catalog.models import RegistrationStatus
from shuyu.catalog.rules import FieldSpec, ResourceFacts
from shuyu.core.errors import DomainError, PermissionDenied

OK = ResourceFacts(
    id=1,
    code="R-1",
    name="企业登记信息",
    grading_level="general",
    forbidden=False,
    shared_from_other=False,
    sharing_consented=False,
    important_approved=False,
    registered=True,
)


def _refusal(facts) -> str | None:
    try:
        rules.check_resource_may_enter_scope(facts)
    except DomainError as e:
        return e.requirement
    return None


def test_r05_graded_and_registered_resource_passes():
    assert _refusal(OK) is None


@pytest.mark.parametrize(
    "change, requirement",
    [
        ({"forbidden": True}, "R05.2"),
        ({"grading_level": ""}, "R05.1"),
        ({"grading_level": "core"}, "R05.1"),
        ({"grading_level": "important"}, "R05.1"),
        ({"grading_level": "important", "important_approved": True}, None),
        ({"shared_from_other": True}, "R05.3"),
        ({"shared_from_other": True, "sharing_consented": True}, None),
    ],
)
def test_r05_scope_entry_truth_table(change, requirement):
    assert _refusal(dataclasses.replace(OK, **change)) == requirement


@pytest.mark.parametrize(
    "change, requirement",
    [
        ({}, None),  # national rule: may be provided before the code …
        ({"registration_overdue": True}, "R17.1"),  # … but not past 20 working days without applying
        ({"code_before_use": True}, "R17.1"),  # the stricter policy
        ({"code_before_use": True, "registered": True}, None),
        ({"registration_pending": True, "code_before_use": True}, "R17.1"),
    ],
)
def test_r17_1_registration_gate(change, requirement):
    facts = dataclasses.replace(OK, **({"registered": False} | change))
    assert _refusal(facts) == requirement


def test_r17_1_overdue_only_after_the_due_day_without_application():
    due = dt.date(2026, 3, 30)
    assert not rules.registration_overdue(registered=False, pending=False, due_on=due, today=due)
    assert rules.registration_overdue(
        registered=False, pending=False, due_on=due, today=due + dt.timedelta(1)
    )
    assert not rules.registration_overdue(
        registered=False, pending=True, due_on=due, today=due + dt.timedelta(9)
    )


@pytest.mark.parametrize(
    "impacts, level",
    [
        ([("national_security", "general")], "important"),
        ([("national_security", "serious")], "core"),
        ([("economic_operation", "serious")], "important"),
        ([("public_interest", "general")], "general"),
        ([("individual_rights", "especially_serious")], "general"),
        ([("individual_rights", "especially_serious"), ("social_order", "serious")], "important"),
        ([("organization_rights", "general"), ("economic_operation", "especially_serious")], "core"),
    ],
)
def test_n_cls_3_impact_table_takes_the_stricter(impacts, level):
    assert rules.grade_for_impacts(impacts) == level


@given(
    st.lists(
        st.tuples(st.sampled_from(list(rules.IMPACT_OBJECTS)), st.sampled_from(list(rules.IMPACT_DEGREES))),
        min_size=1,
        max_size=6,
    )
)
def test_n_cls_3_adding_an_impact_never_lowers_the_level(impacts):
    order = {"general": 0, "important": 1, "core": 2}
    whole = rules.grade_for_impacts(impacts)
    assert all(order[whole] >= order[rules.grade_for_impacts([p])] for p in impacts)


def test_n_cls_3_unknown_impact_is_refused():
    with pytest.raises(DomainError) as err:
        rules.grade_for_impacts([("weather", "serious")])
    assert err.value.requirement == "N-CLS.3"


def test_r07_1_grader_truth_table():
    base = rules.GraderFacts(
        actor_org_id=1,
        provider_org_id=1,
        industry_authority_org_id=2,
        actor_is_provider_role=True,
        actor_is_authority_role=False,
    )
    assert rules.check_may_grade(base) == "data_source_unit"
    assert (
        rules.check_may_grade(
            dataclasses.replace(
                base, actor_org_id=2, actor_is_provider_role=False, actor_is_authority_role=True
            )
        )
        == "industry_authority"
    )
    for bad in (
        dataclasses.replace(base, actor_org_id=3),
        dataclasses.replace(
            base, actor_org_id=2, actor_is_authority_role=False
        ),  # authority's org, wrong role
        dataclasses.replace(base, actor_org_id=1, actor_is_provider_role=False, actor_is_authority_role=True),
    ):
        with pytest.raises(PermissionDenied) as err:
            rules.check_may_grade(bad)
        assert err.value.requirement == "R07.1"


@pytest.mark.parametrize(
    "value",
    [
        "34052419800101001X",
        "370101190102039973",
        "11010519491231002X",
        "510104199003071237",
        "513401198506150020",
        "34052419800101001x",
    ],
)
def test_n_id_2_published_vectors_are_valid(value):
    assert rules.is_valid_cn_id(value)


@pytest.mark.parametrize("value", ["340524198001010011", "51010419900230123X", "5101041990030712", ""])
def test_n_id_2_wrong_check_or_date_is_invalid(value):
    assert not rules.is_valid_cn_id(value)


@pytest.mark.parametrize(
    "value, ok",
    [
        ("91350100M000100Y43", True),
        ("91350100M000100Y4Z", False),
        ("91512081MA62K0260E", True),
        ("91510100000000000G0", False),
        ("9151010000000000G0", True),
    ],
)
def test_n_uscc_2_vectors(value, ok):
    assert rules.is_valid_uscc(value) is ok


_con = duckdb.connect()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789Xx", min_size=16, max_size=19))
def test_n_id_2_sql_check_agrees_with_python(value):
    sql_ok = _con.execute(f"SELECT {quality.cn_id_sql('?')}".replace("?", "$1"), [value]).fetchone()[0]
    assert bool(sql_ok) == rules.is_valid_cn_id(value)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYZ", min_size=17, max_size=18))
def test_n_uscc_2_sql_check_agrees_with_python(value):
    sql_ok = _con.execute(f"SELECT {quality.uscc_sql('$1')}", [value]).fetchone()[0]
    assert bool(sql_ok) == rules.is_valid_uscc(value)


def test_r19_2_disclosure_unit_must_be_a_direct_identifier_and_unique():
    with pytest.raises(DomainError):
        rules.check_field_specs([FieldSpec(name="id_no", is_disclosure_unit=True, sensitivity="quasi")])
    with pytest.raises(DomainError):
        rules.check_field_specs(
            [
                FieldSpec(name="a", is_disclosure_unit=True, sensitivity="direct"),
                FieldSpec(name="b", is_disclosure_unit=True, sensitivity="direct"),
            ]
        )
    with pytest.raises(DomainError):
        rules.check_field_specs([FieldSpec(name="1bad")])


def test_detector_suggests_from_values_and_names_without_echoing():
    ids = ["510104199003071237", "513401198506150020", "34052419800101001X"]
    s = detect.suggest("col_a", "", ids)
    assert (s.sensitivity, s.format, s.is_disclosure_unit) == ("direct", "cn_id", True)
    assert not any(v in s.reason_zh + s.reason_en for v in ids)
    assert detect.suggest("x", "", ["91350100M000100Y43", "91512081MA62K0260E"]).format == "uscc"
    assert detect.suggest("phone", "", ["13800138000", "13912345678"]).format == "mobile"
    assert detect.suggest("birth_date", "出生日期", ["1990-01-01"]).sensitivity == "quasi"
    assert detect.suggest("diagnosis", "诊断", ["J18"]).sensitivity == "sensitive"
    assert detect.suggest("amount", "金额", ["1.5", "2.25"]).type == "decimal"
    # 18 digits with a wrong check digit are not an ID number by value
    assert detect.suggest("code", "", ["510104199003071230"] * 5).format == ""


def test_n_reg_6_every_status_appears_in_the_workflow():
    assert set(rules.TRANSITIONS) == set(RegistrationStatus.values)
    targets = set().union(*rules.TRANSITIONS.values())
    assert targets <= set(RegistrationStatus.values)
    assert set(RegistrationStatus.values) - {"applied"} <= targets


def test_n_reg_8_first_registration_needs_every_material():
    full = {k: "附件" for k in rules.FIRST_MATERIALS}
    rules.check_first_materials(full)
    with pytest.raises(DomainError) as err:
        rules.check_first_materials(full | {"risk_assessment": ""})
    assert err.value.requirement == "N-REG.8" and "数据安全风险评估" in err.value.zh


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2200, 1, 1)))
def test_n_reg_17_validity_is_three_calendar_years(start):
    end = rules.validity_end(start)
    assert 1094 <= (end - start).days <= 1096
    assert rules.validity_end(start, start + dt.timedelta(days=100)) == start + dt.timedelta(days=100)


@given(
    st.dates(min_value=dt.date(2000, 3, 1), max_value=dt.date(2200, 1, 1)),
    st.integers(min_value=-5, max_value=400),
)
def test_n_reg_17_renewal_only_in_the_60_days_before_expiry(expires, days_before):
    today = expires - dt.timedelta(days=days_before)
    allowed = 0 <= days_before < 60
    try:
        rules.check_renewal_window(expires, today)
        assert allowed
    except DomainError as e:
        assert not allowed and e.requirement == "N-REG.17"


def test_n_reg_13_supplement_only_once_and_never_empty():
    rules.check_supplement_once(False, ["存证情况"])
    with pytest.raises(DomainError):
        rules.check_supplement_once(True, ["存证情况"])
    with pytest.raises(DomainError):
        rules.check_supplement_once(False, [])
