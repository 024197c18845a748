"""Differentially private releases (R18.2): real OpenDP, real DuckDB, real jail; no seeds, so properties."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuyu.core.errors import DomainError, PermissionDenied
from shuyu.ledger.models import LedgerEntry
from shuyu.sandbox import budget, dp, services
from shuyu.sandbox.models import DpBudget, DpRelease, Job, JobStatus

from .conftest import assert_no_canary, requires_jail
from .factories import PERSONS

DISTRICTS = ["510104", "510105", "510106"]


def count_spec(epsilon=0.6, **extra):
    return {
        "table": "r_people",
        "statistic": "count",
        "group_by": ["district"],
        "keys": {"district": DISTRICTS},
        "epsilon": epsilon,
        **extra,
    }


def sum_spec(bounds, epsilon=0.5):
    return {
        "table": "r_people",
        "statistic": "sum",
        "measure": "amount",
        "group_by": ["district"],
        "keys": {"district": DISTRICTS},
        "bounds": bounds,
        "epsilon": epsilon,
    }


# --- the declaration (pure) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bounds", [None, "auto", ["min(income)", 10000], [0, "max(income)"], [0, float("inf")], [5, 5], [True, 9]]
)
def test_r18_2_a_dp_sum_with_bounds_taken_from_the_data_is_refused(bounds):
    spec = {"table": "persons", "statistic": "sum", "measure": "income", "bounds": bounds, "epsilon": 1.0}
    with pytest.raises(DomainError) as err:
        dp.parse_query(spec, [PERSONS])
    assert err.value.requirement == "R18.2"


def test_r18_2_histogram_and_group_keys_must_be_declared():
    with pytest.raises(DomainError) as err:  # region has no code list and no declared keys
        dp.parse_query(
            {"table": "persons", "statistic": "histogram", "measure": "region", "epsilon": 1}, [PERSONS]
        )
    assert err.value.requirement == "R18.2"
    with pytest.raises(DomainError):
        dp.parse_query(
            {
                "table": "persons",
                "statistic": "count",
                "group_by": ["region"],
                "keys": {"region": []},
                "epsilon": 1,
            },
            [PERSONS],
        )
    # the catalog's code list is a declared public key set
    q = dp.parse_query(
        {"table": "persons", "statistic": "histogram", "measure": "sector", "epsilon": 1}, [PERSONS]
    )
    assert q.cells == [("agri",), ("industry",), ("services",)]


def test_r04_1_an_identifier_is_never_a_dp_key():
    spec = {
        "table": "persons",
        "statistic": "count",
        "group_by": ["id_no"],
        "keys": {"id_no": ["x"]},
        "epsilon": 1,
    }
    with pytest.raises(DomainError) as err:
        dp.parse_query(spec, [PERSONS])
    assert err.value.requirement == "R04.1"


@settings(max_examples=30, deadline=None)
@given(
    epsilon=st.floats(min_value=0.01, max_value=10),
    k=st.integers(min_value=1, max_value=100),
    upper=st.floats(min_value=0.01, max_value=1e6),
    statistic=st.sampled_from(["count", "sum", "mean"]),
)
def test_r18_2_the_privacy_map_of_the_fixed_scale_never_exceeds_the_declared_epsilon(
    epsilon, k, upper, statistic
):
    spec = {"table": "persons", "statistic": statistic, "epsilon": epsilon, "contributions": k}
    if statistic != "count":
        spec |= {"measure": "income", "bounds": [-upper / 2, upper]}
    plan = dp.plan(dp.parse_query(spec, [PERSONS]))
    assert plan.epsilon <= epsilon * (1 + 1e-9)
    assert plan.delta == 0
    for part in plan.parts:  # the noise grows with the contribution bound and the clamping bounds
        assert part.sensitivity >= k
        assert part.scale >= part.sensitivity / epsilon


# --- budgets, estimates and releases through the services ------------------------------------------------


def test_r18_2_only_the_agency_sets_a_budget_never_below_spent(world):
    with pytest.raises(PermissionDenied):
        budget.set_budget(world.operator, agreement_id=world.agreement.pk, resource="R-PEOPLE", epsilon=5)
    b = budget.set_budget(world.agency, agreement_id=world.agreement.pk, resource="R-PEOPLE", epsilon=1.0)
    assert b.epsilon_remaining == 1.0
    b.epsilon_spent = 0.8
    b.save()
    with pytest.raises(DomainError) as err:
        budget.set_budget(world.agency, agreement_id=world.agreement.pk, resource="R-PEOPLE", epsilon=0.5)
    assert err.value.requirement == "R18.2"
    entry = json.loads(LedgerEntry.objects.filter(action="sandbox.dp_budget.set").get().payload)
    assert entry["epsilon_total"] == 1.0


def test_r18_2_without_a_budget_nothing_is_released(world, workspace):
    est = budget.estimate(world.operator, workspace_id=workspace.pk, spec=count_spec())
    assert est.epsilon_remaining == 0 and not est.affordable
    with pytest.raises(DomainError) as err:
        budget.submit_dp_job(world.operator, workspace_id=workspace.pk, spec=count_spec())
    assert err.value.requirement == "R18.2"
    assert not Job.objects.exists()


@requires_jail
def test_r18_2_cost_shown_before_spending_release_noised_and_overspend_refused(world, workspace, fast_limits):
    budget.set_budget(world.agency, agreement_id=world.agreement.pk, resource="R-PEOPLE", epsilon=1.0)
    spec = count_spec(epsilon=0.05)  # scale 20: P(noise = 0 in all three cells) ≈ 1.5e-5
    est = budget.estimate(world.operator, workspace_id=workspace.pk, spec=spec)
    assert est.as_dict()["epsilon"] == pytest.approx(0.05)
    assert est.as_dict()["epsilon_remaining_after"] == pytest.approx(0.95)
    assert DpBudget.objects.get().epsilon_spent == 0  # an estimate spends nothing

    job = budget.submit_dp_job(world.operator, workspace_id=workspace.pk, spec=spec)
    services.run_pending(limits=fast_limits)
    job.refresh_from_db()
    assert job.status == JobStatus.RELEASED, job.error_code
    table = services.download_released_output(world.operator, output_id=job.outputs.get().pk)
    values = [row[1] for row in table.rows]
    assert [row[0] for row in table.rows] == DISTRICTS
    assert values != [80, 80, 80]  # 240 people, 80 per district: the true counts never come out
    assert all(abs(v - 80) < 20 * 25 for v in values)  # Laplace tail: P(|noise| ≥ 500) ≈ e^-25
    assert DpBudget.objects.get().epsilon_spent == pytest.approx(0.05)

    release = DpRelease.objects.get()
    assert release.parameters["mechanism"] == "discrete_laplace"
    assert release.parameters["parts"][0]["scale"] == pytest.approx(20.0)
    entry = json.loads(LedgerEntry.objects.get(action="sandbox.dp.released").payload)
    assert {"epsilon", "delta", "mechanism", "parts", "contributions", "bounds"} <= set(entry)
    assert "rows" not in entry and "80" not in str(entry["parts"])  # parameters, never a true count

    # over budget: refused with the remaining budget named, nothing queued, nothing spent
    with pytest.raises(DomainError) as err:
        budget.submit_dp_job(world.operator, workspace_id=workspace.pk, spec=count_spec(epsilon=1.0))
    assert err.value.requirement == "R18.2" and "0.95" in err.value.en
    assert Job.objects.count() == 1
    assert DpBudget.objects.get().epsilon_spent == pytest.approx(0.05)
    assert_no_canary(str(table.rows), err.value.zh, err.value.en)


@requires_jail
def test_r18_2_two_releases_racing_for_the_last_epsilon_cannot_overspend(world, workspace, fast_limits):
    budget.set_budget(world.agency, agreement_id=world.agreement.pk, resource="R-PEOPLE", epsilon=1.0)
    spec = sum_spec([0, 500], epsilon=0.6)
    first = budget.submit_dp_job(world.operator, workspace_id=workspace.pk, spec=spec)
    second = budget.submit_dp_job(
        world.colleague, workspace_id=workspace.pk, spec=spec
    )  # both affordable now
    services.run_pending(limits=fast_limits)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == JobStatus.RELEASED
    assert second.status == JobStatus.FAILED and second.error_code == "over_budget"
    assert second.error_requirement == "R18.2"
    assert not second.outputs.exists()
    b = DpBudget.objects.get()
    assert b.epsilon_spent == pytest.approx(0.6) and b.epsilon_spent <= b.epsilon_total
    assert DpRelease.objects.count() == 1
    release = DpRelease.objects.get()
    assert release.parameters["bounds"] == [0.0, 500.0] and release.parameters["bounds_source"] == "declared"
    assert_no_canary()


# --- the adapters ----------------------------------------------------------------------------------------


@requires_jail
def test_r18_2_api_budget_estimate_submit_and_refusal(world, workspace, client, bearer, fast_limits):
    agency, op = bearer(world.agency), bearer(world.operator)
    base = "/api/sandbox"
    r = client.put(
        f"{base}/agreements/{world.agreement.pk}/dp-budget/R-PEOPLE",
        {"epsilon": 0.5},
        content_type="application/json",
        headers=agency,
    )
    assert r.status_code == 200, r.content
    spec = sum_spec([0, 400], epsilon=0.3)
    r = client.post(
        f"{base}/workspaces/{workspace.pk}/dp/estimate", spec, content_type="application/json", headers=op
    )
    assert r.status_code == 200 and r.json()["epsilon"] == pytest.approx(0.3)
    assert r.json()["epsilon_remaining"] == pytest.approx(0.5) and r.json()["affordable"]
    r = client.post(
        f"{base}/workspaces/{workspace.pk}/dp/estimate",
        sum_spec("auto"),
        content_type="application/json",
        headers=op,
    )
    assert r.status_code == 422
    r = client.post(
        f"{base}/workspaces/{workspace.pk}/dp/jobs", spec, content_type="application/json", headers=op
    )
    assert r.status_code == 201 and r.json()["kind"] == "dp"
    services.run_pending(limits=fast_limits)
    r = client.get(f"{base}/workspaces/{workspace.pk}/dp/budget", headers=op)
    assert r.json()[0]["epsilon_remaining"] == pytest.approx(0.2)
    r = client.post(
        f"{base}/workspaces/{workspace.pk}/dp/jobs", spec, content_type="application/json", headers=op
    )
    assert r.status_code == 422 and r.json()["code"] == "R18.2", r.content
    assert Job.objects.count() == 1
    assert_no_canary()


@requires_jail
def test_r18_2_cli_budget_estimate_and_submit_dp(world, workspace, admin, tmp_path):
    from typer.testing import CliRunner

    from shuyu.cli.main import app
    from shuyu.orgs import tokens

    def run(*args):
        return CliRunner().invoke(app, [str(a) for a in args])

    ag = tokens.issue_token(admin, person_id=world.agency.person_id).raw
    op = tokens.issue_token(admin, person_id=world.operator.person_id).raw
    r = run(
        "dp",
        "budget",
        "set",
        "--agreement",
        world.agreement.pk,
        "--resource",
        "R-PEOPLE",
        "--epsilon",
        1,
        "--token",
        ag,
    )
    assert r.exit_code == 0, r.output
    spec = tmp_path / "dp.json"
    spec.write_text(
        json.dumps(
            {
                "table": "r_people",
                "statistic": "histogram",
                "measure": "district",
                "keys": {"district": DISTRICTS},
                "epsilon": 0.4,
            }
        )
    )
    r = run("dp", "estimate", workspace.pk, spec, "--token", op)
    assert r.exit_code == 0 and "0.4" in r.output and "0.6" in r.output, r.output
    r = run("job", "submit-dp", workspace.pk, spec, "--token", op)
    assert r.exit_code == 0, r.output
    assert run("job", "run-pending").exit_code == 0
    r = run("dp", "budget", "show", workspace.pk, "--token", op)
    assert r.exit_code == 0 and "0.6" in r.output, r.output
    job = Job.objects.get()
    assert job.status == JobStatus.RELEASED
    r = run("output", "download", job.outputs.get().pk, "-o", tmp_path / "out.csv", "--token", op)
    assert r.exit_code == 0
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines[0] == "district,count" and len(lines) == 4
    assert_no_canary(r.output, (tmp_path / "out.csv").read_text())


@requires_jail
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_r18_2_concurrent_workers_cannot_overspend(world, workspace, fast_limits):
    """Two workers release at once, each affordable alone, together over budget: exactly one spends."""
    import threading

    from django.db import connection

    budget.set_budget(world.agency, agreement_id=world.agreement.pk, resource="R-PEOPLE", epsilon=1.0)
    spec = count_spec(epsilon=0.7)
    ids = [budget.submit_dp_job(world.operator, workspace_id=workspace.pk, spec=spec).pk for _ in range(2)]
    assert [services.claim_next_job() for _ in ids] == ids
    barrier = threading.Barrier(2)

    def work(job_id):
        try:
            barrier.wait()
            services.run_job(job_id, limits=fast_limits)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(Job.objects.filter(pk__in=ids).values_list("status", "error_code"))
    assert statuses == [(JobStatus.FAILED, "over_budget"), (JobStatus.RELEASED, "")]
    b = DpBudget.objects.get()
    assert b.epsilon_spent == pytest.approx(0.7) and DpRelease.objects.count() == 1


def test_r18_2_workspace_page_shows_the_remaining_budget(world, workspace):
    from django.test import Client

    from shuyu.orgs.models import Person

    b = budget.set_budget(world.agency, agreement_id=world.agreement.pk, resource="R-PEOPLE", epsilon=2.0)
    DpBudget.objects.filter(pk=b.pk).update(epsilon_spent=0.75)
    c = Client()
    c.force_login(Person.objects.get(pk=world.operator.person_id).user)
    page = c.get(f"/sandbox/workspaces/{workspace.pk}/").content.decode()
    i = page.find("dp-budget")
    assert "<strong>1.2500</strong>" in page[i:]


@requires_jail
def test_r18_2_a_dp_mean_releases_only_the_declared_cells_within_the_bounds(world, workspace, fast_limits):
    budget.set_budget(world.agency, agreement_id=world.agreement.pk, resource="R-PEOPLE", epsilon=3.0)
    spec = sum_spec([0, 500], epsilon=2.0) | {"statistic": "mean", "keys": {"district": DISTRICTS[:2]}}
    est = budget.estimate(world.operator, workspace_id=workspace.pk, spec=spec)
    assert [p.name for p in est.plan.parts] == ["count", "sum"] and est.plan.epsilon == pytest.approx(2.0)
    job = budget.submit_dp_job(world.operator, workspace_id=workspace.pk, spec=spec)
    services.run_pending(limits=fast_limits)
    job.refresh_from_db()
    assert job.status == JobStatus.RELEASED, job.error_code
    rows = services.download_released_output(world.operator, output_id=job.outputs.get().pk).rows
    assert [r[0] for r in rows] == DISTRICTS[:2]  # the third district is not declared: not released
    assert all(0 <= r[1] <= 500 for r in rows)  # post-processed into the declared bounds
    assert_no_canary(str(rows))
