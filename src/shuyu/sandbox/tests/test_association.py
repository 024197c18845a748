"""关联汇聚风险 (R23.5): which jobs combine data, how they are scored in the jail, who may approve."""

import pytest

from shuyu.core.errors import DomainError
from shuyu.sandbox import association, engine, sqlpolicy

from .conftest import requires_jail
from .factories import JOBS, PERSONS, TABLES

PROVIDERS = {"persons": "公安厅", "jobs": "人社厅"}


def _combo(sql, providers=PROVIDERS):
    checked = sqlpolicy.check_sql(sql, TABLES)
    return checked, association.combination(checked, TABLES, providers)


def test_r23_5_one_units_data_with_one_quasi_identifier_does_not_combine():
    _, combo = _combo("select region, count(*) n from persons group by region")
    assert combo is None


def test_r23_5_two_quasi_identifiers_combine_wherever_they_appear():
    _, combo = _combo("select region, count(*) n from persons where age > 30 group by region")
    assert combo is not None and combo.combines_quasi and not combo.cross_provider
    assert combo.quasi == (("persons", "age"), ("persons", "region"))


def test_r23_5_a_join_across_data_source_units_combines():
    _, combo = _combo(
        "select p.sector, count(*) n from persons p join jobs j on p.id_no = j.person_id group by p.sector"
    )
    assert combo is not None and combo.cross_provider
    assert combo.providers == ("人社厅", "公安厅")


def test_r23_5_a_join_within_one_data_source_unit_alone_does_not_combine():
    _, combo = _combo(
        "select p.sector, count(*) n from persons p join jobs j on p.id_no = j.person_id group by p.sector",
        providers={"persons": "公安厅", "jobs": "公安厅"},
    )
    assert combo is None


def test_r23_5_an_unknown_provider_counts_as_another_unit():
    _, combo = _combo(
        "select p.sector, count(*) n from persons p join jobs j on p.id_no = j.person_id group by p.sector",
        providers={"persons": "公安厅"},
    )
    assert combo is not None and combo.cross_provider


def test_r23_5_scoring_query_keeps_the_relation_and_drops_projections_and_groups():
    checked, combo = _combo(
        "select p.region, count(*) n from persons p join jobs j on p.id_no = j.person_id "
        "where p.age > 30 group by p.region order by n desc limit 3"
    )
    sql = association.scoring_sql(checked, combo).lower()
    assert "join jobs" in sql and "p.age > 30" in sql
    assert "limit 3" not in sql and "order by" not in sql
    assert "group by q0, q1" in sql  # age and region, combined


def test_r23_5_a_relation_of_subqueries_cannot_be_scored_and_fails_closed():
    checked, combo = _combo(
        "select region, count(*) n from (select id_no, region, age from persons where age > 30) s group by region"
    )
    assert combo is not None
    assert association.scoring_sql(checked, combo) is None
    assert association.needs_prior_approval(None)


@pytest.mark.parametrize(
    ("score", "needed"), [(0.0, False), (0.05, False), (0.0501, True), (1.0, True), (None, True)]
)
def test_r23_5_prior_approval_above_the_threshold_or_when_unscored(score, needed):
    assert association.needs_prior_approval(score) is needed


@pytest.mark.parametrize(
    ("records", "needed"), [(0, True), (1, True), (9, True), (10, False), (10_000, False)]
)
def test_r23_5_a_relation_of_too_few_records_is_always_held(records, needed):
    # held or not must not answer a yes/no question about one narrowed-down record
    assert association.needs_prior_approval(0.0, records=records) is needed


def test_r23_5_unique_share_of_no_records_is_zero():
    assert association.unique_share(0, 0) == 0.0
    assert association.unique_share(3, 12) == 0.25


def test_r23_5_submitter_never_approves_its_own_combination():
    with pytest.raises(DomainError) as err:
        association.check_association_decider(submitter_person_id=7, decider_person_id=7)
    assert err.value.requirement == "R23.5"
    association.check_association_decider(submitter_person_id=7, decider_person_id=8)


def test_r23_5_only_a_job_awaiting_approval_is_decided():
    association.check_awaits_approval("approval")
    for status in ("queued", "running", "released", "blocked", "cancelled"):
        with pytest.raises(DomainError, match="R23.5"):
            association.check_awaits_approval(status)


def _score(checked, combo, inputs, limits):
    sql = association.scoring_sql(checked, combo)
    scoring = sqlpolicy.CheckedQuery(sql=sql, tree=checked.tree, tables=checked.tables, outputs=[])
    result = engine.run_sql(scoring, inputs=inputs, limits=limits)
    unique, records = result.rows[0]
    return int(unique), int(records)


@requires_jail
def test_r23_5_score_is_computed_in_the_jail_and_only_counts_leave(inputs, small_limits):
    # persons: 300 people, region = i % 3 and age = 18 + i % 60 → (region, age) has 60 combinations
    # of 5 people each, none unique; adding born_on (one per person) makes every record unique.
    checked, combo = _combo("select region, count(*) n from persons where age > 0 group by region")
    assert _score(checked, combo, inputs, small_limits) == (0, 300)
    checked, combo = _combo(
        "select region, count(*) n from persons where age > 0 and born_on > date '1900-01-01' group by region"
    )
    unique, records = _score(checked, combo, inputs, small_limits)
    assert (unique, records) == (300, 300)
    assert association.needs_prior_approval(association.unique_share(unique, records))


@requires_jail
def test_r23_5_a_cross_unit_join_is_scored_on_the_joined_records(inputs, small_limits):
    checked, combo = _combo(
        "select p.region, count(*) n from persons p join jobs j on p.id_no = j.person_id "
        "where p.age > 0 group by p.region"
    )
    unique, records = _score(checked, combo, inputs, small_limits)
    assert records == 200  # the join's records, not either table's
    assert 0 <= unique <= records


def test_persons_and_jobs_specs_are_what_the_scores_assume():
    assert PERSONS.field("age").rule.name == "QUASI" and JOBS.unit == "uscc"
