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


@pytest.mark.parametrize("field", ["epsilon_spent", "delta_spent"])
def test_r18_2_the_database_itself_refuses_an_overspent_budget(world, field):
    from django.db import IntegrityError, transaction

    b = budget.set_budget(
        world.agency, agreement_id=world.agreement.pk, resource="R-PEOPLE", epsilon=1.0, delta=1e-6
    )
    with pytest.raises(IntegrityError), transaction.atomic():  # whatever path a bug might take
        DpBudget.objects.filter(pk=b.pk).update(**{field: 2.0})
    b.refresh_from_db()
    assert b.epsilon_spent == 0 and b.delta_spent == 0


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


# --- the Gaussian mechanism (δ > 0) ----------------------------------------------------------------------


def gaussian_spec(epsilon=0.1, delta=1e-7, **extra):
    return count_spec(epsilon=epsilon, mechanism="gaussian", delta=delta, **extra)


@settings(max_examples=40, deadline=None)
@given(
    epsilon=st.floats(min_value=0.01, max_value=10),
    delta_exponent=st.floats(min_value=-15, max_value=-5.0001),
    k=st.integers(min_value=1, max_value=100),
    upper=st.floats(min_value=0.01, max_value=1e6),
    statistic=st.sampled_from(["count", "sum", "mean", "histogram"]),
)
def test_r18_2_the_gaussian_privacy_map_of_the_fixed_scale_never_exceeds_the_declared_epsilon_delta(
    epsilon, delta_exponent, k, upper, statistic
):
    delta = 10**delta_exponent
    spec = {
        "table": "persons",
        "statistic": statistic,
        "epsilon": epsilon,
        "contributions": k,
        "mechanism": "gaussian",
        "delta": delta,
    }
    if statistic in ("sum", "mean"):
        spec |= {"measure": "income", "bounds": [-upper / 2, upper]}
    if statistic == "histogram":
        spec |= {"measure": "sector"}
    plan = dp.plan(dp.parse_query(spec, [PERSONS]))
    assert plan.mechanism == "discrete_gaussian"
    assert 0 < plan.epsilon <= epsilon * (1 + 1e-9)
    assert 0 < plan.delta <= delta * (1 + 1e-9)
    opendp = dp.opendp()
    for part in plan.parts:  # rebuilt from the recorded scale, OpenDP's own map stays within the part
        assert part.sensitivity >= k
        meas = dp.measurement(opendp, part.scale, part.mechanism, part.delta)
        assert meas.output_measure == opendp.approximate(opendp.max_divergence())
        eps, dlt = meas.map(part.sensitivity)
        assert eps <= part.epsilon * (1 + 1e-9) and dlt <= part.delta * (1 + 1e-9)
        # the scale is the closed form of the declared (ε, δ) share, fixed once, never searched
        assert part.scale == pytest.approx(dp.gaussian_scale(part.sensitivity, *_share(plan, spec)))


def _share(plan, spec):
    n = len(plan.parts)
    return spec["epsilon"] / n, spec["delta"] / n


@pytest.mark.parametrize(
    "extra",
    [
        {"mechanism": "exponential"},
        {"mechanism": 1},
        {"mechanism": "gaussian"},  # no δ
        {"mechanism": "gaussian", "delta": 0},
        {"mechanism": "gaussian", "delta": 1e-5},  # R18.2 rule: δ < 1e-5
        {"mechanism": "gaussian", "delta": 0.5},
        {"mechanism": "gaussian", "delta": "auto"},
        {"mechanism": "gaussian", "delta": float("nan")},
        {"mechanism": "laplace", "delta": 1e-7},  # Laplace is pure ε
        {"delta": 1e-7},
    ],
)
def test_r18_2_unknown_mechanisms_and_bad_deltas_are_refused(extra):
    spec = {"table": "persons", "statistic": "count", "epsilon": 1.0, **extra}
    with pytest.raises(DomainError) as err:
        dp.parse_query(spec, [PERSONS])
    assert err.value.requirement == "R18.2"


def test_r18_2_the_mechanism_is_part_of_the_job_code_only_when_gaussian():
    laplace = dp.parse_query({"table": "persons", "statistic": "count", "epsilon": 1.0}, [PERSONS])
    assert "mechanism" not in laplace.canonical() and "delta" not in laplace.canonical()
    assert dp.parse_query(json.loads(laplace.canonical()), [PERSONS]) == laplace
    spec = {"table": "persons", "statistic": "count", "epsilon": 1.0, "mechanism": "gaussian", "delta": 1e-8}
    gaussian = dp.parse_query(spec, [PERSONS])
    assert json.loads(gaussian.canonical())["mechanism"] == "gaussian"
    assert dp.parse_query(json.loads(gaussian.canonical()), [PERSONS]) == gaussian
    assert dp.plan(laplace).delta == 0 and dp.plan(laplace).mechanism == "discrete_laplace"


def test_r18_2_a_gaussian_release_over_the_delta_budget_is_refused(world, workspace):
    # ε is plentiful, δ is not: the refusal names δ, nothing is queued
    budget.set_budget(
        world.agency, agreement_id=world.agreement.pk, resource="R-PEOPLE", epsilon=5.0, delta=5e-7
    )
    est = budget.estimate(world.operator, workspace_id=workspace.pk, spec=gaussian_spec(delta=1e-6))
    assert not est.affordable and est.as_dict()["delta"] == pytest.approx(1e-6)
    with pytest.raises(DomainError) as err:
        budget.submit_dp_job(world.operator, workspace_id=workspace.pk, spec=gaussian_spec(delta=1e-6))
    assert err.value.requirement == "R18.2" and "δ=5e-07" in err.value.en and "δ=5e-07" in err.value.zh
    assert not Job.objects.filter(status=JobStatus.QUEUED).exists()
    # the agency's default δ budget is 0: a Gaussian release needs an explicit δ budget
    budget.set_budget(world.agency, agreement_id=world.agreement.pk, resource="R-PEOPLE", epsilon=5.0)
    assert not budget.estimate(world.operator, workspace_id=workspace.pk, spec=gaussian_spec()).affordable
    assert budget.estimate(world.operator, workspace_id=workspace.pk, spec=count_spec()).affordable


@requires_jail
def test_r18_2_a_gaussian_count_is_noised_within_bounds_and_delta_is_charged(world, workspace, fast_limits):
    budget.set_budget(
        world.agency, agreement_id=world.agreement.pk, resource="R-PEOPLE", epsilon=1.0, delta=1.5e-7
    )
    spec = gaussian_spec(epsilon=0.1, delta=1e-7)
    est = budget.estimate(world.operator, workspace_id=workspace.pk, spec=spec)
    scale = est.plan.parts[0].scale
    assert scale > 50  # σ ≈ 56.8: P(no noise in all three cells) < 1e-6
    assert est.as_dict()["delta_remaining_after"] == pytest.approx(5e-8)
    job = budget.submit_dp_job(world.operator, workspace_id=workspace.pk, spec=spec)
    services.run_pending(limits=fast_limits)
    job.refresh_from_db()
    assert job.status == JobStatus.RELEASED, job.error_code
    table = services.download_released_output(world.operator, output_id=job.outputs.get().pk)
    values = [row[1] for row in table.rows]
    assert [row[0] for row in table.rows] == DISTRICTS
    assert values != [80, 80, 80] and all(isinstance(v, int) for v in values)
    assert all(abs(v - 80) < 10 * scale for v in values)  # Gaussian tail: P(|noise| ≥ 10σ) ≈ 1.5e-23
    b = DpBudget.objects.get()
    assert b.delta_spent == pytest.approx(1e-7) and b.epsilon_spent <= 0.1 * (1 + 1e-9)
    release = DpRelease.objects.get()
    assert release.delta == pytest.approx(1e-7)
    assert release.parameters["mechanism"] == "discrete_gaussian"
    assert release.parameters["parts"][0]["scale"] == pytest.approx(scale)
    entry = json.loads(LedgerEntry.objects.get(action="sandbox.dp.released").payload)
    assert entry["mechanism"] == "discrete_gaussian" and entry["delta"] == pytest.approx(1e-7)

    # a second release fits in ε but not in δ: refused at submission, nothing spent
    with pytest.raises(DomainError) as err:
        budget.submit_dp_job(world.operator, workspace_id=workspace.pk, spec=spec)
    assert err.value.requirement == "R18.2" and "δ" in err.value.en
    assert DpBudget.objects.get().delta_spent == pytest.approx(1e-7)
    assert_no_canary(str(table.rows), err.value.zh, err.value.en)


@requires_jail
def test_r18_2_two_gaussian_releases_racing_for_the_last_delta_cannot_overspend(
    world, workspace, fast_limits
):
    budget.set_budget(
        world.agency, agreement_id=world.agreement.pk, resource="R-PEOPLE", epsilon=5.0, delta=1.5e-6
    )
    spec = sum_spec([0, 500], epsilon=0.5) | {"mechanism": "gaussian", "delta": 1e-6}
    first = budget.submit_dp_job(world.operator, workspace_id=workspace.pk, spec=spec)
    second = budget.submit_dp_job(world.colleague, workspace_id=workspace.pk, spec=spec)
    services.run_pending(limits=fast_limits)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == JobStatus.RELEASED, first.error_code
    assert second.status == JobStatus.FAILED and second.error_code == "over_budget"
    b = DpBudget.objects.get()
    assert b.delta_spent == pytest.approx(1e-6) and b.delta_spent <= b.delta_total
    assert DpRelease.objects.count() == 1


def test_r18_2_api_and_cli_accept_the_gaussian_mechanism(world, workspace, client, bearer, admin, tmp_path):
    from typer.testing import CliRunner

    from shuyu.cli.main import app
    from shuyu.orgs import tokens

    r = client.put(
        f"/api/sandbox/agreements/{world.agreement.pk}/dp-budget/R-PEOPLE",
        {"epsilon": 1.0, "delta": 1e-6},
        content_type="application/json",
        headers=bearer(world.agency),
    )
    assert r.status_code == 200 and r.json()["delta_total"] == pytest.approx(1e-6), r.content
    url, op = f"/api/sandbox/workspaces/{workspace.pk}/dp/estimate", bearer(world.operator)
    r = client.post(url, gaussian_spec(delta=4e-7), content_type="application/json", headers=op)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["mechanism"] == "discrete_gaussian" and body["delta"] == pytest.approx(4e-7)
    assert body["delta_remaining_after"] == pytest.approx(6e-7) and body["affordable"]
    assert body["parts"][0]["delta"] == pytest.approx(4e-7)
    r = client.post(url, count_spec(mechanism="exponential"), content_type="application/json", headers=op)
    assert r.status_code == 422 and r.json()["code"] == "R18.2", r.content
    r = client.post(url, gaussian_spec(delta=1e-3), content_type="application/json", headers=op)
    assert r.status_code == 422 and r.json()["code"] == "R18.2", r.content

    raw = tokens.issue_token(admin, person_id=world.operator.person_id).raw
    path = tmp_path / "dp.json"
    path.write_text(json.dumps(gaussian_spec(delta=4e-7)))
    r = CliRunner().invoke(app, ["dp", "estimate", str(workspace.pk), str(path), "--token", raw])
    assert r.exit_code == 0, r.output
    assert "discrete_gaussian" in r.output and "δ=4e-07" in r.output and "6e-07" in r.output, r.output
    r = CliRunner().invoke(app, ["job", "submit-dp", str(workspace.pk), str(path), "--token", raw])
    assert r.exit_code == 0 and Job.objects.get().kind == "dp", r.output
    assert "gaussian" in Job.objects.get().code
