"""Periodic sweeps: deadlines of the rules are kept without anyone pressing a button."""

import datetime as dt

import pytest

from shuyu import ledger
from shuyu.authorization.models import Agreement
from shuyu.core import clock
from shuyu.ledger.selectors import latest_checkpoint
from shuyu.ops import sweeps


def test_r16_2_an_agreement_past_its_term_expires_and_the_head_is_signed(world):
    day_after = world.agreement.ends_on + dt.timedelta(days=1)
    with clock.frozen(world.agreement.ends_on):
        first = sweeps.run_once()
    assert first.failed == [] and first.counts["expire_agreements"] == 0
    assert first.counts["checkpoint"] == 1  # the seeded acts were never signed
    with clock.frozen(day_after):
        report = sweeps.run_once()
        assert report.failed == []
        assert report.counts["expire_agreements"] == 1
        assert report.counts["checkpoint"] == 1  # the expiry grew the ledger
        assert latest_checkpoint().tree_size == ledger.size()
        again = sweeps.run_once()
    assert Agreement.objects.get(pk=world.agreement.pk).status == "expired"
    assert again.counts == {k: 0 for k in again.counts}  # idempotent: nothing left to do


def test_r18_1_a_failing_sweep_is_reported_and_the_others_still_run(world, monkeypatch):
    def broken() -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(sweeps, "SWEEPS", (("broken", broken), *sweeps.SWEEPS))
    report = sweeps.run_once()
    assert report.failed == ["broken"]
    assert report.counts["checkpoint"] == 1


def test_schedule_runs_at_start_then_once_per_period(db):
    schedule = sweeps.Schedule(dt.timedelta(minutes=10))
    start = dt.datetime(2026, 5, 6, 9, 0, tzinfo=dt.UTC)
    with clock.frozen(start):
        assert schedule.run_if_due() is not None
        assert schedule.run_if_due() is None
    with clock.frozen(start + dt.timedelta(minutes=9)):
        assert schedule.run_if_due() is None
    with clock.frozen(start + dt.timedelta(minutes=10)):
        assert schedule.run_if_due() is not None


@pytest.mark.parametrize("name", [name for name, _ in sweeps.SWEEPS])
def test_every_sweep_runs_on_an_empty_platform(db, name):
    report = sweeps.run_once()
    assert name in report.counts and report.failed == []


def test_r18_1_cli_sweep_runs_every_sweep_once(world):
    from typer.testing import CliRunner

    from shuyu.cli.main import app

    result = CliRunner().invoke(app, ["sweep"])
    assert result.exit_code == 0, result.output
    counts = dict(line.split() for line in result.output.splitlines())
    assert counts["checkpoint"] == "1" and counts["expire_agreements"] == "0"
    assert latest_checkpoint().tree_size == ledger.size()


@pytest.mark.django_db
def test_r19_2_the_sweep_alerts_an_output_stuck_in_review_once(world, workspace, fast_limits):
    from shuyu.ledger.models import LedgerEntry
    from shuyu.sandbox import services

    zero_cells = "SELECT district, sum(CASE WHEN months > 100 THEN amount ELSE 0 END) AS s FROM r_people GROUP BY district"
    job = services.submit_sql_job(world.operator, workspace_id=workspace.pk, sql=zero_cells)
    services.run_pending(limits=fast_limits)
    assert job.outputs.get().status == "pending"
    with clock.frozen(clock.now() + dt.timedelta(days=30)):
        assert sweeps.run_once().counts["stuck_reviews"] == 1
        assert sweeps.run_once().counts["stuck_reviews"] == 0  # one alert per output and state
    assert LedgerEntry.objects.filter(action="sandbox.output.overdue").count() == 1
