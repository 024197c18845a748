"""The permission truth table (R07.1, R22.1): every role × every permission, written out independently of
`ROLE_PERMISSIONS`, and the scope rules of `authorize` (own organization; own region and below)."""

import pytest

from shuyu.core.actors import Actor
from shuyu.core.errors import PermissionDenied
from shuyu.core.permissions import ROLE_PERMISSIONS, Perm, authorize, can
from shuyu.core.roles import Role

R = Role
READ_ALL = {R.DATA_ADMIN, R.IMPLEMENTING_AGENCY, R.AUDITOR}

# Which roles hold each permission. A new permission must be added here deliberately.
EXPECTED: dict[Perm, set[Role]] = {
    Perm.AUTHORIZATION_AGREEMENT_ACTIVATE: {R.IMPLEMENTING_AGENCY},
    Perm.AUTHORIZATION_AGREEMENT_COSIGN: {R.DATA_SOURCE_UNIT},  # R09.1 分领域授权
    Perm.AUTHORIZATION_AGREEMENT_CREATE: {R.IMPLEMENTING_AGENCY},
    Perm.AUTHORIZATION_AGREEMENT_FILE: {R.IMPLEMENTING_AGENCY},  # R15.1
    Perm.AUTHORIZATION_AGREEMENT_RECEIVE_FILING: {R.DATA_ADMIN},
    Perm.AUTHORIZATION_AGREEMENT_SIGN: {R.IMPLEMENTING_AGENCY},
    Perm.AUTHORIZATION_AGREEMENT_SUSPEND: {R.DATA_ADMIN, R.IMPLEMENTING_AGENCY},  # R29.1
    Perm.AUTHORIZATION_AGREEMENT_TERMINATE: {R.IMPLEMENTING_AGENCY},
    Perm.AUTHORIZATION_AGREEMENT_VIEW: READ_ALL | {R.OPERATOR, R.ASSESSOR},
    Perm.AUTHORIZATION_DESIGNATION_CREATE: {R.GOVERNMENT},  # R08.1
    Perm.AUTHORIZATION_DESIGNATION_FILE: {R.DATA_ADMIN},
    Perm.AUTHORIZATION_PLAN_APPROVE: {R.GOVERNMENT},  # R13.1: 三重一大
    Perm.AUTHORIZATION_PLAN_CREATE: {R.IMPLEMENTING_AGENCY},
    Perm.AUTHORIZATION_PLAN_FILE: {R.DATA_ADMIN},  # R13.2
    Perm.AUTHORIZATION_PLAN_RECEIVE_FILING: {R.DATA_ADMIN},
    Perm.AUTHORIZATION_PLAN_SUBMIT: {R.DATA_ADMIN, R.IMPLEMENTING_AGENCY},
    Perm.AUTHORIZATION_PLAN_VIEW: READ_ALL | {R.GOVERNMENT},
    Perm.AUTHORIZATION_SELECTION_DECIDE: {R.IMPLEMENTING_AGENCY},  # R14.1
    Perm.AUTHORIZATION_SELECTION_MANAGE: {R.IMPLEMENTING_AGENCY},
    Perm.AUTHORIZATION_SELECTION_VIEW: READ_ALL,
    Perm.CATALOG_POLICY_SET: {R.DATA_ADMIN},  # N-REG.9, N-REG.16
    Perm.CATALOG_RESOURCE_CLASSIFY: {R.DATA_SOURCE_UNIT, R.INDUSTRY_AUTHORITY},  # R07.1
    Perm.CATALOG_RESOURCE_CONSENT: {R.DATA_SOURCE_UNIT},  # R05.3
    Perm.CATALOG_RESOURCE_CREATE: {R.DATA_SOURCE_UNIT},
    Perm.CATALOG_RESOURCE_INGEST: {R.DATA_SOURCE_UNIT},
    Perm.CATALOG_RESOURCE_RISK_APPROVE: {R.DATA_ADMIN},
    Perm.CATALOG_RESOURCE_VIEW: READ_ALL | {R.DATA_SOURCE_UNIT, R.INDUSTRY_AUTHORITY, R.REGISTRAR},
    Perm.CATALOG_REGISTRATION_APPLY: {R.IMPLEMENTING_AGENCY, R.DATA_SOURCE_UNIT, R.OPERATOR},  # R17.1
    Perm.CATALOG_REGISTRATION_PROCESS: {R.REGISTRAR},
    Perm.CORE_CALENDAR_LOAD: {R.ADMIN},  # N-CAL.1
    Perm.LEDGER_CHECKPOINT_SIGN: {R.ADMIN},
    Perm.LEDGER_ENTRY_VIEW: READ_ALL | {R.ADMIN},
    Perm.LEDGER_EVIDENCE_EXPORT: {R.AUDITOR, R.ADMIN},
    Perm.ORGS_CREDIT_RECORD: {R.DATA_ADMIN},  # R14.2
    Perm.ORGS_ORGANIZATION_CREATE: {R.ADMIN},
    Perm.ORGS_PERSON_CREATE: {R.ADMIN},
    Perm.ORGS_TOKEN_ISSUE: {R.ADMIN},
    Perm.ORGS_TOKEN_REVOKE_ANY: {R.ADMIN},
    Perm.SANDBOX_ASSOCIATION_APPROVE: {R.IMPLEMENTING_AGENCY},
    Perm.SANDBOX_DP_BUDGET_SET: {R.IMPLEMENTING_AGENCY},
    Perm.SANDBOX_JOB_SUBMIT: {R.OPERATOR},
    Perm.SANDBOX_OUTPUT_REVIEW: {R.IMPLEMENTING_AGENCY},
    Perm.SANDBOX_WORKSPACE_CREATE: {R.OPERATOR},
}

# The platform administrator runs the platform and holds no act of the rules (approve, sign, file, select).
BUSINESS_ACTS = {
    Perm.AUTHORIZATION_PLAN_APPROVE,
    Perm.AUTHORIZATION_PLAN_FILE,
    Perm.AUTHORIZATION_AGREEMENT_SIGN,
    Perm.AUTHORIZATION_AGREEMENT_FILE,
    Perm.AUTHORIZATION_SELECTION_DECIDE,
    Perm.CATALOG_RESOURCE_CLASSIFY,
}


def _actor(*roles: Role, org_id: int = 1, region: str = "510000") -> Actor:
    return Actor(person_id=1, org_id=org_id, roles=frozenset(roles), region_code=region, name="t")


def _expected(perm: Perm, role: Role) -> bool:
    return role in EXPECTED.get(perm, set())


@pytest.mark.parametrize("perm", list(Perm), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_r22_1_role_permission_truth_table(role, perm):
    actor = _actor(role)
    assert (perm in ROLE_PERMISSIONS[role]) is _expected(perm, role)
    if _expected(perm, role):
        authorize(actor, perm)
    else:
        with pytest.raises(PermissionDenied) as err:
            authorize(actor, perm)
        assert err.value.requirement == "R22.1" and err.value.status == 403


@pytest.mark.parametrize("perm", list(Perm), ids=str)
def test_r22_1_every_permission_is_in_the_truth_table(perm):
    assert perm in EXPECTED, f"add {perm} to EXPECTED in core/tests/test_permissions.py"


def test_r22_1_every_role_has_a_row():
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_r22_1_platform_admin_holds_no_act_of_the_rules():
    assert not BUSINESS_ACTS & ROLE_PERMISSIONS[Role.ADMIN]


def test_r22_1_system_and_public_actors_hold_nothing():
    for actor in (Actor.system("deadline-sweeper"), Actor.anonymous()):
        for perm in Perm:
            assert not can(actor, perm)


def test_r22_1_a_person_with_two_roles_holds_the_union():
    actor = _actor(Role.GOVERNMENT, Role.DATA_ADMIN)
    authorize(actor, Perm.AUTHORIZATION_PLAN_APPROVE)
    authorize(actor, Perm.AUTHORIZATION_PLAN_FILE)


def test_r22_1_acting_for_another_organization_is_refused():
    agency = _actor(Role.IMPLEMENTING_AGENCY, org_id=7)
    authorize(agency, Perm.AUTHORIZATION_PLAN_CREATE, org_id=7)
    with pytest.raises(PermissionDenied) as err:
        authorize(agency, Perm.AUTHORIZATION_PLAN_CREATE, org_id=8)
    assert err.value.requirement == "R22.1"


@pytest.mark.parametrize(
    ("actor_region", "target", "allowed"),
    [
        ("510000", "510000", True),  # the province for itself
        ("510000", "510100", True),  # province covers 成都市
        ("510000", "510104", True),  # … and 锦江区
        ("510000", "513401", True),  # … and 西昌市 in 凉山州
        ("510100", "510100", True),  # 成都市 for itself
        ("510100", "510104", True),  # 成都市 covers 锦江区
        ("510100", "510000", False),  # a city cannot act for the province
        ("510100", "510300", False),  # nor for another city
        ("510100", "510302", False),  # nor for another city's county
        ("510104", "510104", True),  # a county for itself
        ("510104", "510100", False),  # a county cannot act for its city
        ("510104", "510105", False),  # nor for a neighbouring county
        ("510104", "510000", False),
        ("510000", "500000", False),  # 重庆 is outside Sichuan
    ],
)
def test_r07_1_region_scope(actor_region, target, allowed):
    actor = _actor(Role.DATA_ADMIN, region=actor_region)
    if allowed:
        authorize(actor, Perm.AUTHORIZATION_PLAN_FILE, region_code=target)
    else:
        with pytest.raises(PermissionDenied) as err:
            authorize(actor, Perm.AUTHORIZATION_PLAN_FILE, region_code=target)
        assert err.value.requirement == "R07.1"
    assert can(actor, Perm.AUTHORIZATION_PLAN_FILE, region_code=target) is allowed


def test_r07_1_an_actor_without_region_acts_for_no_region():
    actor = Actor(person_id=1, org_id=1, roles=frozenset({Role.DATA_ADMIN}), region_code=None)
    with pytest.raises(PermissionDenied):
        authorize(actor, Perm.AUTHORIZATION_PLAN_FILE, region_code="510000")


def test_r22_1_role_is_checked_before_scope():
    operator = _actor(Role.OPERATOR, region="510000")
    with pytest.raises(PermissionDenied) as err:
        authorize(operator, Perm.AUTHORIZATION_PLAN_FILE, region_code="510100")
    assert err.value.requirement == "R22.1"
