"""The ledger is fail-closed (R18.1): if an act cannot be recorded, it does not happen.

The ledger's next slot is taken behind its back (a row with the next seq), so the append inside the act's
transaction fails: the act must roll back with it — no job, no review decision, no release.
"""

import datetime as dt

import pytest
from django.db import DatabaseError

from shuyu import ledger
from shuyu.core.errors import DomainError
from shuyu.ledger.models import LedgerEntry
from shuyu.sandbox import review, services
from shuyu.sandbox.models import Job, Output, Review

from .conftest import requires_jail


def _jam_the_ledger() -> None:
    """Occupy the seq the next append will use, as a broken or tampered store would."""
    LedgerEntry.objects.create(
        seq=ledger.size(),
        recorded_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        actor_label="jam",
        action="test.jam",
        subject_kind="test",
        subject_id="0",
        payload="{}",
        payload_hash="0" * 64,
        leaf_hash="0" * 64,
    )


def test_r18_1_a_job_that_cannot_be_recorded_is_not_submitted(world, workspace):
    _jam_the_ledger()
    with pytest.raises(DatabaseError):
        services.submit_sql_job(
            world.operator,
            workspace_id=workspace.pk,
            sql="select district, count(*) n from r_people group by district",
        )
    assert not Job.objects.exists()


@requires_jail
def test_r18_1_a_review_that_cannot_be_recorded_does_not_count(world, workspace, fast_limits):
    zero_cells = "SELECT district, sum(CASE WHEN months > 100 THEN amount ELSE 0 END) AS s FROM r_people GROUP BY district"
    job = services.submit_sql_job(world.operator, workspace_id=workspace.pk, sql=zero_cells)
    services.run_pending(limits=fast_limits)
    output = job.outputs.get()
    assert output.status == "pending"
    review.decide(world.reviewer, output_id=output.pk, kind="security", decision="approve", note="可以")
    _jam_the_ledger()
    with pytest.raises(DatabaseError):
        review.decide(world.agency, output_id=output.pk, kind="business", decision="approve", note="可以")
    output = Output.objects.get(pk=output.pk)
    assert output.status == "pending" and output.released_at is None
    assert Review.objects.filter(output=output).count() == 1
    with pytest.raises(DomainError) as err:  # nothing leaves while the release is unrecorded
        services.download_released_output(world.operator, output_id=output.pk)
    assert err.value.requirement == "R04.1"
