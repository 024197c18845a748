"""R19.1: a workspace sees only the fields its agreement grants — in the schema, the policy and the jail."""

import datetime as dt

import duckdb
import pytest

from shuyu.core import clock
from shuyu.core.errors import DomainError
from shuyu.sandbox import selectors, services
from shuyu.sandbox.schema import FieldRule

from .conftest import requires_jail


def _granted_world(world, make_actor, fields):
    """A second agreement over the world's resource, granting only `fields`, and a workspace on it."""
    from shuyu.authorization import services as auth
    from shuyu.authorization.tests import factories as af

    with clock.frozen(dt.date(2026, 3, 2)):
        gov = make_actor("government", "510000", name="四川省人民政府")
        operator = make_actor("operator", "510100", name="蜀道数据有限公司")
        runner_up = make_actor("operator", "510100", name="锦江数据有限公司")
        version = af.approved_plan(world.agency, gov, [world.resource.pk])
        selection = af.decided_selection(world.agency, version, [operator, runner_up])
        agreement = af.signed_agreement(
            world.agency, version, selection, field_grants=((world.resource.pk, tuple(fields)),)
        )
        auth.file_agreement(world.agency, agreement_id=agreement.pk)
        auth.activate_agreement(world.agency, agreement_id=agreement.pk)
    ws = services.create_workspace(operator, agreement_id=agreement.pk, name="字段授权")
    return operator, ws


def test_r19_1_only_granted_fields_are_in_the_schema_and_the_policy(world, make_actor):
    operator, ws = _granted_world(world, make_actor, ["id_no", "district", "amount"])
    (table,) = selectors.tables_for(ws)
    assert [f.name for f in table.spec.fields] == ["id_no", "district", "amount"]
    assert table.spec.unit == "id_no"
    services.submit_sql_job(
        operator, workspace_id=ws.pk, sql="select district, sum(amount) s from r_people group by district"
    )
    with pytest.raises(DomainError) as err:  # months exists in the resource but is not granted
        services.submit_sql_job(
            operator, workspace_id=ws.pk, sql="select months, count(*) n from r_people group by months"
        )
    assert err.value.requirement == "R19.1"


def test_r19_1_a_grant_without_the_disclosure_unit_makes_every_field_an_identifier(world, make_actor):
    _, ws = _granted_world(world, make_actor, ["district", "amount"])
    (table,) = selectors.tables_for(ws)
    assert table.spec.unit is None
    assert {f.rule for f in table.spec.fields} == {FieldRule.IDENTIFIER}  # fail closed: nothing can be gated


@requires_jail
def test_r19_1_the_projected_file_in_the_jail_has_only_granted_columns(world, make_actor, fast_limits):
    operator, ws = _granted_world(world, make_actor, ["id_no", "district", "amount"])
    job = services.submit_sql_job(
        operator, workspace_id=ws.pk, sql="select district, count(*) n from r_people group by district"
    )
    services.run_pending(limits=fast_limits)
    job.refresh_from_db()
    assert job.status in ("released", "gated"), job.error_code
    inputs = services._project(ws, selectors.tables_for(ws))
    columns = [
        r[0] for r in duckdb.sql(f"describe select * from read_parquet('{inputs['r_people']}')").fetchall()
    ]
    assert columns == ["id_no", "district", "amount"]


def test_r19_1_the_agreement_page_shows_the_granted_fields(world, make_actor, client):
    from shuyu.orgs.models import Person
    from shuyu.sandbox.models import Workspace

    _, ws = _granted_world(world, make_actor, ["id_no", "district", "amount"])
    client.force_login(Person.objects.get(pk=world.agency.person_id).user)
    agreement_id = Workspace.objects.get(pk=ws.pk).agreement_id
    page = client.get(f"/agency/agreements/{agreement_id}/").content.decode()
    assert "授权字段 amount、district、id_no" in page
    page = client.get(f"/agency/agreements/{world.agreement.pk}/").content.decode()
    assert "全部已编目字段" in page
