"""The SQL policy: allowlists, column rules, DuckDB's own parse (R19.1, R04.1). Pure: no database."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuyu.core.errors import DomainError
from shuyu.sandbox import sqlpolicy
from shuyu.sandbox.sqlpolicy import check_duckdb_statement, check_sql

from .factories import TABLES

ALLOWED = [
    "select region, count(*) n, sum(income) s, avg(income) from persons group by region order by n desc limit 5",
    "select region, count(distinct id_no) from persons where age > 30 group by region",
    "with a as (select id_no, region, income * 12 as y from persons where age > 18) "
    "select a.region, sum(a.y) from a join jobs j on a.id_no = j.person_id group by a.region",
    "select count(*) from persons p join jobs j on p.id_no = j.person_id",
    "select max(age), min(age), year(born_on) y, count(*) from persons group by year(born_on)",
    "select sector, count(*) filter (where age >= 60) from persons group by sector having count(*) > 10",
    "select count(*) from (select id_no, region from persons where sector = 'agri') t",
    "from persons select count(*)",
]

# (query, requirement): each is a way to get raw data, files, settings or code execution out.
REFUSED = [
    ("select * from persons", "R04.1"),
    ("select id_no from persons limit 1", "R04.1"),
    ("select region, age from persons", "R04.1"),
    ("select id_no, count(*) from persons group by id_no", "R04.1"),
    ("select region, income from persons group by region, income", "R04.1"),
    ("select substr(id_no, 1, 6) r, count(*) from persons group by substr(id_no, 1, 6)", "R04.1"),
    ("select count(*) filter (where id_no = '510104199001011234') from persons", "R04.1"),
    ("select count(*) from persons where name = 'CANARY'", "R04.1"),
    ("select count(*) from persons where income > 100000", "R04.1"),
    ("select sum(income) filter (where income > 1) from persons", "R04.1"),
    ("select max(income) from persons", "R04.1"),
    ("select min(name) from persons", "R04.1"),
    ("select max(region) from persons", "R04.1"),
    ("select min(born_on) from persons", "R04.1"),
    ("select max(age + 0) from persons", "R04.1"),
    # in a join the strictest rule wins: person_id equals an identifier, so it is one
    (
        "select j.person_id, count(*) from persons p join jobs j on p.id_no = j.person_id group by j.person_id",
        "R04.1",
    ),
    ("with a as (select id_no from persons) select a.id_no, count(*) from a group by a.id_no", "R04.1"),
    ("with a as (select income from persons) select count(*) from a where a.income > 5", "R04.1"),
    ("select region, string_agg(name, ',') from persons group by region", "R19.1"),
    ("select list(income) from persons", "R19.1"),
    ("select array_agg(income) from persons", "R19.1"),
    ("select arg_max(name, income) from persons", "R19.1"),
    ("select mode(region) from persons", "R19.1"),
    ("select quantile_disc(income, 0.5) from persons", "R19.1"),
    ("select first(name) from persons", "R19.1"),
    ("select any_value(name) from persons", "R19.1"),
    ("select region, count(*) from persons group by rollup(region)", "R19.1"),
    ("select region, count(*) from persons group by cube(region)", "R19.1"),
    ("pivot persons on region using sum(income)", "R19.1"),
    ("select region from persons pivot (sum(income) for region in ('a'))", "R19.1"),
    ("select count(*) from read_parquet('/vault/persons.parquet')", "R19.1"),
    ("select count(*) from read_csv('/etc/passwd')", "R19.1"),
    ("select count(*) from glob('/vault/*')", "R19.1"),
    ("select count(*) from 'persons.parquet'", "R19.1"),
    ("attach '/var/shuyu/db.sqlite3' as x", "R19.1"),
    ("copy persons to '/tmp/out.csv'", "R19.1"),
    ("export database '/tmp/x'", "R19.1"),
    ("install httpfs", "R19.1"),
    ("load httpfs", "R19.1"),
    ("set memory_limit = '100GB'", "R19.1"),
    ("pragma version", "R19.1"),
    ("create table x as select 1", "R19.1"),
    ("summarize persons", "R19.1"),
    ("describe persons", "R19.1"),
    ("select count(*) from duckdb_settings()", "R19.1"),
    ("select current_setting('memory_limit'), count(*) from persons", "R19.1"),
    ("select getenv('HOME'), count(*) from persons", "R19.1"),
    ("select count(*) from query('select * from persons')", "R19.1"),
    ("select count(*) from main.persons", "R19.1"),
    ("with persons as (select 1 as id_no) select count(*) from persons", "R19.1"),
    ("select count(*) from persons; select 1", "R19.1"),
    ("select count(*) from persons where region in (select region from persons)", "R19.1"),
    ("select sum(income) over () from persons", "R19.1"),
    ("select count(*) from persons using sample 1", "R19.1"),
    ("select region, count(*) from persons group by all", "R19.1"),
    ("select columns('.*'), count(*) from persons", "R19.1"),
    ("select count(*) from persons union select count(*) from jobs", "R19.1"),
    ("with recursive r as (select 1 as n) select count(*) from r", "R19.1"),
    ("select count(*) from other_resource", "R19.1"),
    ("select count(nope) from persons", "R19.1"),
    ("with a as (select region, count(*) n from persons group by region) select sum(a.n) from a", "R19.1"),
    ("select count(*) from persons natural join jobs", "R19.1"),
    ("select count(*) from persons asof join jobs on persons.id_no = jobs.person_id", "R19.1"),
    ("select count(*) from persons p, lateral (select p.region) x", "R19.1"),
    ("", "R19.1"),
    ("select count(*) as __s0_n from persons", "R19.1"),  # the gate's own column names
    ("with __q as (select id_no from persons) select count(*) from __q", "R19.1"),
    # contributors could not be counted: the derived table drops the disclosure unit
    ("select count(*) from (select region from persons) t", "R19.2"),
]


@pytest.mark.parametrize("sql", ALLOWED)
def test_r19_1_allowed_aggregate_queries_pass_both_parsers(sql):
    checked = check_sql(sql, TABLES)
    # what runs is what both parsers saw, and DuckDB's parser accepts it again
    check_duckdb_statement(
        checked.sql, table_names=frozenset({"persons", "jobs"}), cte_names=frozenset({"a"})
    )
    assert checked.tables <= {"persons", "jobs"}


@pytest.mark.parametrize(("sql", "requirement"), REFUSED)
def test_r19_1_r19_2_r04_1_attack_query_is_refused_with_its_article(sql, requirement):
    with pytest.raises(DomainError) as err:
        check_sql(sql, TABLES)
    assert err.value.requirement == requirement
    assert err.value.zh and err.value.en


def test_r04_1_refusal_never_echoes_literal_values():
    with pytest.raises(DomainError) as err:
        check_sql("select count(*) from persons where name = 'CANARY-7f3a'", TABLES)
    text = " ".join([str(err.value), err.value.zh, err.value.en, repr(err.value.context)])
    assert "CANARY-7f3a" not in text


@pytest.mark.parametrize(
    "sql",
    [
        "SUMMARIZE persons",  # a SELECT to DuckDB's statement API, a table function in its tree
        "SELECT * FROM read_parquet('x')",
        "SELECT getenv('x')",
        "SELECT * FROM persons, (VALUES (1))",
        "SELECT (SELECT 1)",
        "SELECT 1 UNION SELECT 2",
        "SELECT sum(x) OVER () FROM persons",
        "SELECT $1",
        "SELECT list_transform([1], x -> x)",
        "SELECT * FROM persons AT (VERSION => 1)",
        "SELECT count(*) FROM persons GROUP BY ROLLUP (a)",
        "SHOW TABLES",
    ],
)
def test_r19_1_duckdb_parser_check_refuses_on_its_own(sql):
    # the second, independent layer: even if sqlglot let something through, DuckDB's tree is checked
    with pytest.raises(DomainError) as err:
        check_duckdb_statement(sql, table_names=frozenset({"persons"}))
    assert err.value.requirement == "R19.1"


def test_r19_1_every_allowed_sqlglot_function_has_a_duckdb_name():
    # a query using each allowed scalar renders to names on DuckDB's allowlist
    sql = (
        "select abs(age), round(avg(income), 2), floor(age / 10), ceil(age / 10), lower(sector), "
        "upper(sector), length(sector), trim(sector), substr(sector, 1, 2), coalesce(sector, 'x'), "
        "nullif(sector, 'x'), quarter(born_on), month(born_on), extract(year from born_on), "
        "date_trunc('month', born_on), cast(age as double), greatest(age, 1), least(age, 1), "
        "sector || 'x', case when age > 1 then 1 else 0 end, count(*), stddev(income), variance(income), "
        "var_pop(income), stddev_pop(income) from persons group by abs(age), floor(age / 10), "
        "ceil(age / 10), lower(sector), upper(sector), length(sector), trim(sector), substr(sector, 1, 2), "
        "coalesce(sector, 'x'), nullif(sector, 'x'), quarter(born_on), month(born_on), "
        "extract(year from born_on), date_trunc('month', born_on), cast(age as double), greatest(age, 1), "
        "least(age, 1), sector || 'x', case when age > 1 then 1 else 0 end"
    )
    check_sql(sql, TABLES)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_r19_1_any_text_is_refused_or_checked_never_crashes(sql):
    try:
        checked = check_sql(sql, TABLES)
    except DomainError as err:
        assert err.requirement in {"R19.1", "R19.2", "R04.1"}
        # short texts can occur inside our own fixed wording ("quer" in "query"); literal echoes of longer
        # input are what must never happen (test_r04_1_refusal_never_echoes_literal_values covers canaries)
        if len(sql.strip()) > 12:
            assert sql.strip() not in err.zh + err.en
    else:
        assert checked.sql.upper().startswith(("SELECT", "WITH"))


def test_sqlglot_logs_no_query_text(caplog):
    with pytest.raises(DomainError):
        check_sql("load httpfs_CANARY", TABLES)
    assert "CANARY" not in caplog.text
    assert sqlpolicy.MAX_SQL_CHARS > 0
