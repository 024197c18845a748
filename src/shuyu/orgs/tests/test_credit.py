"""失信 records (R14.2): recorded by the data administration, in force between recorded_on and expires_on."""

import datetime as dt

import pytest

from shuyu import ledger
from shuyu.core.errors import DomainError, PermissionDenied
from shuyu.orgs import services
from shuyu.orgs.models import CreditRecord
from shuyu.orgs.selectors import has_dishonesty_record

D = dt.date


@pytest.fixture
def operator_org(make_actor):
    return make_actor("operator", "510100").org_id


def test_r14_2_dishonesty_record_is_in_force_from_recording_to_expiry(make_actor, operator_org):
    data_admin = make_actor("data_admin", "510000")
    before = ledger.size()
    services.record_dishonesty(
        data_admin,
        org_id=operator_org,
        kind="serious_dishonesty",
        source="信用中国（四川）",
        document="川信用〔2026〕1号",
        recorded_on=D(2026, 3, 1),
        expires_on=D(2027, 2, 28),
    )
    assert ledger.size() == before + 1
    assert not has_dishonesty_record(operator_org, on=D(2026, 2, 28))
    assert has_dishonesty_record(operator_org, on=D(2026, 3, 1))
    assert has_dishonesty_record(operator_org, on=D(2027, 2, 28))
    assert not has_dishonesty_record(operator_org, on=D(2027, 3, 1))


def test_r14_2_open_ended_dishonesty_record_stays_in_force(make_actor, operator_org):
    data_admin = make_actor("data_admin", "510000")
    services.record_dishonesty(
        data_admin, org_id=operator_org, kind="other", source="法院", recorded_on=D(2025, 1, 1)
    )
    assert has_dishonesty_record(operator_org, on=D(2030, 1, 1))


def test_r14_2_dishonesty_record_expiring_before_it_starts_is_refused(make_actor, operator_org):
    data_admin = make_actor("data_admin", "510000")
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.record_dishonesty(
            data_admin,
            org_id=operator_org,
            kind="other",
            source="法院",
            recorded_on=D(2026, 3, 1),
            expires_on=D(2026, 2, 1),
        )
    assert err.value.requirement == "R14.2"
    assert ledger.size() == before and not CreditRecord.objects.exists()


@pytest.mark.parametrize("role", ["implementing_agency", "operator", "government", "admin"])
def test_r22_1_only_data_admin_records_dishonesty(make_actor, operator_org, role):
    actor = make_actor(role, "510000")
    before = ledger.size()
    with pytest.raises(PermissionDenied):
        services.record_dishonesty(
            actor, org_id=operator_org, kind="other", source="法院", recorded_on=D(2026, 1, 1)
        )
    assert ledger.size() == before and not has_dishonesty_record(operator_org, on=D(2026, 6, 1))


def test_r07_1_city_data_admin_cannot_record_for_another_city(make_actor):
    other_city_org = make_actor("operator", "510300").org_id
    chengdu_admin = make_actor("data_admin", "510100")
    with pytest.raises(PermissionDenied) as err:
        services.record_dishonesty(
            chengdu_admin, org_id=other_city_org, kind="other", source="法院", recorded_on=D(2026, 1, 1)
        )
    assert err.value.requirement == "R07.1"
