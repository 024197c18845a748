"""SQL jobs in the jailed DuckDB worker: results, limits, and DuckDB's own layer (R18.1, R19.1, R04.1)."""

import time

import duckdb
import pytest

from shuyu.core.errors import DomainError
from shuyu.sandbox import engine, jail
from shuyu.sandbox.sqlpolicy import CheckedQuery, check_sql

from .conftest import CANARY, digest_tree, requires_jail
from .factories import TABLES

pytestmark = requires_jail


def test_r19_1_checked_query_runs_in_the_jail_and_matches_duckdb(inputs, vault, small_limits, jail_root):
    checked = check_sql(
        "select region, count(*) n, sum(income) s from persons group by region order by region", TABLES
    )
    result = engine.run_sql(checked, inputs=inputs, limits=small_limits, workroot=jail_root)
    expected = duckdb.sql(
        f"select region, count(*), sum(income) from read_parquet('{vault}/persons.parquet') group by 1 order by 1"
    ).fetchall()
    assert [(r[0], r[1], r[2]) for r in result.rows] == [(a, b, str(c)) for a, b, c in expected]
    assert result.columns == ["region", "n", "s"]


def unchecked(sql: str, tables=("persons",)) -> CheckedQuery:
    """A query that did NOT pass the policy: to test DuckDB's settings as the second layer alone."""
    return CheckedQuery(sql=sql, tree=None, tables=frozenset(tables), outputs=[])


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/proc/1/environ')",
        "SELECT * FROM read_parquet('/opt/site/duckdb/__init__.py')",
        "COPY persons TO '/out/leak.csv'",
        "INSTALL httpfs",
        "ATTACH '/tmp/x.db' AS x",
        "SET enable_external_access = true",
        "SET memory_limit = '64GB'",
        "SELECT * FROM glob('/*')",
    ],
)
def test_r19_1_duckdb_settings_refuse_what_the_policy_would_have_refused(
    sql, inputs, small_limits, jail_root
):
    # defence in depth: even a query that skipped the policy cannot reach files, settings or extensions
    with pytest.raises(DomainError) as err:
        engine.run_sql(unchecked(sql), inputs=inputs, limits=small_limits, workroot=jail_root)
    assert err.value.requirement == "R18.1"
    assert err.value.context["code"] in {"permission", "invalid_input", "catalog", "io", "engine_error"}


def test_r18_1_a_query_past_the_time_limit_is_killed_and_the_host_stays_responsive(
    inputs, small_limits, jail_root, vault
):
    checked = check_sql(
        "select count(*) from persons a join persons b on a.sector = b.sector "
        "join persons c on b.sector = c.sector join persons d on c.sector = d.sector "
        "join persons e on d.sector = e.sector",
        TABLES,
    )
    before = digest_tree(vault)
    limits = jail.Limits(**{**small_limits.__dict__, "wall_seconds": 3, "duckdb_memory": "256MB"})
    started = time.monotonic()
    with pytest.raises(DomainError) as err:
        engine.run_sql(checked, inputs=inputs, limits=limits, workroot=jail_root)
    assert err.value.context["code"] in ("timeout", "killed")
    assert time.monotonic() - started < 60  # bounded: the wall-clock kill worked (not a timing assertion)
    assert duckdb.sql("select 42").fetchall() == [(42,)]
    assert digest_tree(vault) == before


def test_r18_1_a_query_past_the_memory_limit_fails_with_a_code_not_the_engines_text(
    inputs, small_limits, jail_root
):
    checked = check_sql(
        "select count(distinct cast(a.born_on as varchar) || cast(b.born_on as varchar) || cast(c.born_on as varchar)) "
        "from persons a join persons b on a.sector = b.sector "
        "join persons c on b.sector = c.sector",
        TABLES,
    )
    limits = jail.Limits(**{**small_limits.__dict__, "duckdb_memory": "16MB", "tmp_bytes": 1024**2})
    with pytest.raises(DomainError) as err:
        engine.run_sql(checked, inputs=inputs, limits=limits, workroot=jail_root)
    text = str(err.value) + repr(err.value.context)
    assert err.value.context["code"] in ("out_of_memory", "io", "killed", "engine_error", "timeout")
    assert CANARY not in text and "name-" not in text
