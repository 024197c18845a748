"""Workspaces, jobs, the worker, the gate, review and download through the services (real jail, DuckDB)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuyu import ledger
from shuyu.core.errors import DomainError, NotFound, PermissionDenied
from shuyu.sandbox import selectors, services
from shuyu.sandbox.models import Job, ReleasedPopulation

from .conftest import CANARY, assert_no_canary, requires_jail

BY_DISTRICT = "SELECT district, count(*) AS n, sum(amount) AS total FROM r_people GROUP BY district"
# No one has months > 100: every cell is zero, which the gate sends to review (zeros are disclosive).
ZERO_CELLS = (
    "SELECT district, sum(CASE WHEN months > 100 THEN amount ELSE 0 END) AS s FROM r_people GROUP BY district"
)


def test_r19_1_workspace_sees_exactly_the_agreement_scope(world, workspace):
    tables = selectors.tables_for(workspace)
    assert [(t.name, t.resource_code) for t in tables] == [("r_people", "R-PEOPLE")]
    assert tables[0].spec.unit == "id_no"


def test_r19_1_only_the_operator_opens_a_workspace_on_its_agreement(world):
    with pytest.raises(NotFound):
        services.create_workspace(world.stranger, agreement_id=world.agreement.pk, name="x")
    with pytest.raises(PermissionDenied):
        services.create_workspace(world.agency, agreement_id=world.agreement.pk, name="x")


def test_r19_1_a_refused_query_creates_nothing_but_a_ledger_entry(world, workspace):
    before = ledger.size()
    with pytest.raises(DomainError) as err:
        services.submit_sql_job(
            world.operator,
            workspace_id=workspace.pk,
            sql=f"SELECT count(*) FROM r_people WHERE name = '{CANARY}-name'",
        )
    assert err.value.requirement in ("R04.1", "R19.1")
    assert not Job.objects.exists() and ledger.size() == before + 1
    assert CANARY not in f"{err.value.zh} {err.value.en}"
    assert_no_canary()


def test_r19_1_strangers_and_reviewers_cannot_submit(world, workspace):
    for actor in (world.stranger, world.agency):
        with pytest.raises(NotFound):
            services.submit_sql_job(actor, workspace_id=workspace.pk, sql=BY_DISTRICT)
    assert not Job.objects.exists()


def test_r29_1_a_suspended_agreement_refuses_submissions_and_stops_queued_jobs(world, workspace):
    from shuyu.authorization import services as auth

    job = services.submit_sql_job(world.operator, workspace_id=workspace.pk, sql=BY_DISTRICT)
    auth.suspend_agreement(world.agency, agreement_id=world.agreement.pk, reason="整改期间暂停")
    with pytest.raises(DomainError) as err:
        services.submit_sql_job(world.operator, workspace_id=workspace.pk, sql=BY_DISTRICT)
    assert err.value.requirement == "R29.1"
    assert services.run_pending() == 1
    job.refresh_from_db()
    assert (job.status, job.error_code, job.error_requirement) == ("failed", "agreement_suspended", "R29.1")
    assert Job.objects.count() == 1


def test_r19_1_a_terminated_agreement_refuses_every_job(world, workspace):
    from shuyu.authorization import services as auth

    auth.terminate_agreement(world.agency, agreement_id=world.agreement.pk, reason="严重违约，提前终止")
    with pytest.raises(DomainError) as err:
        services.submit_python_job(world.operator, workspace_id=workspace.pk, code="print(1)")
    assert err.value.requirement == "R19.1"


def test_queued_job_can_be_cancelled_and_is_never_run(world, workspace):
    job = services.submit_sql_job(world.operator, workspace_id=workspace.pk, sql=BY_DISTRICT)
    services.cancel_job(world.colleague, job_id=job.pk)
    assert services.run_pending() == 0
    job.refresh_from_db()
    assert job.status == "cancelled"


@requires_jail
def test_r19_2_sql_job_runs_in_the_worker_and_a_passing_output_is_released(world, workspace, fast_limits):
    job = services.submit_sql_job(world.operator, workspace_id=workspace.pk, sql=BY_DISTRICT)
    assert job.status == "queued" and job.resources == ["R-PEOPLE"]
    assert services.run_pending(limits=fast_limits) == 1
    job.refresh_from_db()
    assert job.status == "released", (job.error_code, job.error_en)
    output = job.outputs.get()
    table = services.download_released_output(world.colleague, output_id=output.pk)
    assert table.columns == ["district", "n", "total"]
    assert [r[1] for r in table.rows] == [80, 80, 80]
    assert ReleasedPopulation.objects.filter(output=output).count() == 6  # 3 cells × 2 measures
    with pytest.raises(NotFound):  # the reviewer sees reasons, never the table
        services.download_released_output(world.reviewer, output_id=output.pk)
    with pytest.raises(NotFound):
        services.download_released_output(world.stranger, output_id=output.pk)
    assert_no_canary()


@requires_jail
def test_r19_2_review_output_four_eyes_and_only_released_outputs_download(world, workspace, fast_limits):
    job = services.submit_sql_job(world.operator, workspace_id=workspace.pk, sql=ZERO_CELLS)
    services.run_pending(limits=fast_limits)
    job.refresh_from_db()
    output = job.outputs.get()
    assert (job.status, output.verdict, output.status) == ("gated", "review", "pending")
    assert "zero_cell" in {r["code"] for r in output.reasons}
    with pytest.raises(DomainError) as err:  # not released yet
        services.download_released_output(world.operator, output_id=output.pk)
    assert err.value.requirement == "R04.1"
    with pytest.raises(PermissionDenied):  # the operator cannot review its own output
        services.review_output(
            world.operator, output_id=output.pk, kind="security", decision="approve", note="ok"
        )
    assert list(selectors.review_queue(world.reviewer)) == [output]
    services.review_output(
        world.reviewer, output_id=output.pk, kind="security", decision="approve", note="零值不涉及个体"
    )
    services.review_output(
        world.agency, output_id=output.pk, kind="business", decision="approve", note="用途合规"
    )  # two reviews by two people (四眼原则): only then released
    job.refresh_from_db()
    assert job.status == "released"
    assert services.download_released_output(world.operator, output_id=output.pk).rows
    with pytest.raises(DomainError):  # decisions are final
        services.review_output(
            world.agency, output_id=output.pk, kind="security", decision="reject", note="改判"
        )


def test_r19_2_the_submitter_never_reviews_its_own_output():
    from shuyu.sandbox import rules

    with pytest.raises(DomainError) as err:
        rules.check_reviewer_not_submitter(submitter_person_id=7, reviewer_person_id=7)
    assert err.value.requirement == "R19.2"
    rules.check_reviewer_not_submitter(submitter_person_id=7, reviewer_person_id=8)


@requires_jail
def test_r19_2_differencing_across_jobs_uses_the_persistent_release_history(world, workspace, fast_limits):
    services.submit_sql_job(
        world.operator, workspace_id=workspace.pk, sql="SELECT count(*) AS n FROM r_people"
    )
    services.submit_sql_job(
        world.colleague,
        workspace_id=workspace.pk,
        sql="SELECT count(*) AS n FROM r_people WHERE paid_on >= DATE '2026-01-21'",  # 240 − 20: allowed
    )
    services.submit_sql_job(
        world.operator,
        workspace_id=workspace.pk,
        sql="SELECT count(*) AS n FROM r_people WHERE paid_on < DATE '2026-08-28'",  # 240 − 1: one person
    )
    assert services.run_pending(limits=fast_limits) == 3
    first, second, third = Job.objects.order_by("id")
    assert (first.status, second.status, third.status) == ("released", "released", "blocked")
    assert "differencing" in {r["code"] for r in third.outputs.get().reasons}
    assert_no_canary()


@requires_jail
def test_r04_1_python_job_printing_rows_and_raising_with_a_row_leaks_nothing(world, workspace, fast_limits):
    code = (
        "from shuyu_sdk import load, emit_table\n"
        "rows = load('r_people').fetchall()\n"
        "print(rows)\n"
        "emit_table('raw', columns=['id_no', 'name'], rows=[[r[0], r[1]] for r in rows])\n"
        "raise ValueError(str(rows[0]))\n"
    )
    job = services.submit_python_job(world.operator, workspace_id=workspace.pk, code=code)
    services.run_pending(limits=fast_limits)
    job.refresh_from_db()
    assert job.status == "failed" and job.error_code == "script_error"
    assert job.log.startswith("error: ValueError")
    assert not job.outputs.exists()
    assert_no_canary()


@requires_jail
def test_r04_1_python_job_raw_table_blocked_declared_aggregate_released(world, workspace, fast_limits):
    code = (
        "from shuyu_sdk import load, emit_table, emit_aggregate\n"
        "t = load('r_people')\n"
        "emit_table('raw', columns=['id_no', 'name'], rows=[list(r) for r in t.select('id_no, name').fetchall()])\n"
        "rows = t.aggregate('district, count(*) AS n', 'district').order('district').fetchall()\n"
        "emit_aggregate('by_district', resource='r_people', group_by=['district'], measures={'n': 'count:*'},\n"
        "               rows=[list(r) for r in rows])\n"
    )
    job = services.submit_python_job(world.operator, workspace_id=workspace.pk, code=code)
    services.run_pending(limits=fast_limits)
    job.refresh_from_db()
    outputs = {o.name: o for o in job.outputs.all()}
    assert job.status == "released", (job.error_code, job.log)
    assert (outputs["raw"].status, outputs["raw"].rows) == ("blocked", [])
    assert outputs["by_district"].status == "released"
    with pytest.raises(DomainError):
        services.download_released_output(world.operator, output_id=outputs["raw"].pk)
    assert_no_canary()


@requires_jail
def test_r19_2_the_agency_sets_a_stricter_threshold_for_its_agreement(world, workspace, fast_limits):
    before = ledger.size()
    services.set_gate_settings(world.reviewer, agreement_id=world.agreement.pk, threshold=100)
    assert ledger.size() == before + 1
    services.submit_sql_job(world.operator, workspace_id=workspace.pk, sql=BY_DISTRICT)
    services.run_pending(limits=fast_limits)
    job = Job.objects.get()
    assert job.status == "blocked"  # 80 contributors per cell < 100
    assert "threshold" in {r["code"] for r in job.outputs.get().reasons}


def test_r19_2_gate_settings_only_by_the_agency_and_never_laxer(world):
    with pytest.raises(PermissionDenied):
        services.set_gate_settings(world.operator, agreement_id=world.agreement.pk, threshold=50)
    with pytest.raises(DomainError) as err:
        services.set_gate_settings(world.reviewer, agreement_id=world.agreement.pk, threshold=5)
    assert err.value.requirement == "R19.2"


@given(
    threshold=st.integers(2, 1000),
    k=st.floats(0.01, 0.99),
    p=st.floats(0.01, 0.99),
)
def test_r19_2_gate_settings_are_refused_exactly_when_laxer_than_acro(threshold, k, p):
    from shuyu.sandbox import rules

    laxer = threshold < 10 or k > 0.90 or p < 0.10
    try:
        rules.check_gate_settings_not_laxer(threshold=threshold, dominance_k=k, p_percent=p)
    except DomainError:
        assert laxer
    else:
        assert not laxer


def test_a_job_left_running_by_a_dead_worker_is_failed_not_rerun(world, workspace):
    import datetime as dt

    from shuyu.core import clock

    job = services.submit_sql_job(world.operator, workspace_id=workspace.pk, sql=BY_DISTRICT)
    start = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    with clock.frozen(start):
        assert services.claim_next_job() == job.pk  # … and the worker dies here
    with clock.frozen(start + dt.timedelta(minutes=10)):
        assert services.fail_stale_jobs() == 0
    with clock.frozen(start + dt.timedelta(minutes=31)):
        assert services.fail_stale_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "worker_lost")
    assert services.run_pending() == 0
