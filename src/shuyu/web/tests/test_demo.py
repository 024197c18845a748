"""The demo scenario, seeded through the services: every object it makes is in the ledger."""

import pytest

from shuyu.authorization import selectors
from shuyu.authorization.models import (
    Agreement,
    Candidate,
    Consultation,
    Designation,
    Plan,
    PlanVersion,
    Selection,
)
from shuyu.catalog.models import DataResource, Registration, ResourceVersion
from shuyu.demo import scenario
from shuyu.ledger.services import entries_for
from shuyu.orgs.models import Organization, Person


def test_demo_seeds_once_and_every_object_is_in_the_ledger(demo):
    assert scenario.seed() is False  # idempotent

    models = (
        Organization,
        Person,
        DataResource,
        ResourceVersion,
        Registration,
        Designation,
        PlanVersion,
        Selection,
        Consultation,
        Candidate,
        Agreement,
    )
    for model in models:
        assert model.objects.exists(), model
        kind = f"{model._meta.app_label}.{model._meta.model_name}"
        for obj in model.objects.all():
            assert entries_for(kind, obj.pk), f"no ledger entry for {kind} {obj.pk}"
    assert Plan.objects.count() == 4


def test_demo_has_one_active_agreement_with_the_winning_operator(demo):
    [active] = selectors.public_authorizations()

    assert active.operator_name == "四川天府数据运营有限公司"
    assert active.agency_name == "成都市大数据中心"
    assert str(active.starts_on) == "2025-12-01" and str(active.ends_on) == "2028-11-30"


def test_r13_2_demo_plan_filed_before_its_deadline(demo):
    v = PlanVersion.objects.get(name="成都市公共数据授权运营（普惠金融）")

    assert str(v.approved_on) == "2025-09-26"
    assert str(v.filing_due_on) == "2025-10-16"
    assert str(v.filed_on) == "2025-10-15"


def test_demo_accounts_cover_each_role_with_the_demo_password():
    usernames = [u for u, _p, _w in scenario.ACCOUNTS]

    assert len(usernames) == len(set(usernames))
    assert all(p == scenario.DEMO_PASSWORD for _u, p, _w in scenario.ACCOUNTS)
    assert {"admin", "agency", "agency-cd", "gov", "gov-cd", "dataadmin", "dataadmin-cd", "operator"} <= set(
        usernames
    )


@pytest.mark.parametrize("prefix", ["11", "12", "91"])
def test_demo_usccs_are_valid(prefix):
    from shuyu.orgs.rules import check_uscc

    for org in scenario.ORGS:
        assert check_uscc(org.uscc) == org.uscc
    assert check_uscc(scenario.synthetic_uscc(prefix, "510100", 99))
