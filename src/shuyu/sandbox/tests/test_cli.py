"""`shuyu sandbox …` commands (R19.1, R04.1)."""

import json

import duckdb
from typer.testing import CliRunner

from shuyu.cli.main import app

from .conftest import requires_jail

SCHEMA = {
    "tables": [
        {
            "name": "persons",
            "unit": "id_no",
            "fields": [
                {"name": "id_no", "type": "string", "rule": "identifier", "fmt": "cn_id"},
                {"name": "region", "type": "string", "rule": "quasi", "fmt": "region"},
                {"name": "income", "type": "decimal", "rule": "sensitive"},
            ],
        }
    ]
}


def _schema(tmp_path):
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(SCHEMA))
    return path


def test_r19_1_cli_check_sql_allows_an_aggregate(tmp_path):
    query = tmp_path / "q.sql"
    query.write_text("select region, sum(income) from persons group by region")
    result = CliRunner().invoke(app, ["sandbox", "check-sql", str(query), "--schema", str(_schema(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "SUM(persons.income)" in result.output


def test_r04_1_cli_check_sql_refuses_with_the_article(tmp_path):
    query = tmp_path / "q.sql"
    query.write_text("select id_no from persons where id_no = 'CANARY-cli'")
    result = CliRunner().invoke(app, ["sandbox", "check-sql", str(query), "--schema", str(_schema(tmp_path))])
    assert result.exit_code == 1
    assert "R04.1" in result.output and "CANARY-cli" not in result.output


def test_cli_mock_writes_parquet(tmp_path):
    out = tmp_path / "persons.parquet"
    args = [
        "sandbox",
        "mock",
        "--table",
        "persons",
        "--schema",
        str(_schema(tmp_path)),
        "--rows",
        "25",
        "-o",
        str(out),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert duckdb.sql(f"select count(*) from '{out}'").fetchall() == [(25,)]


@requires_jail
def test_r18_1_cli_jail_check_reports_ok():
    result = CliRunner().invoke(app, ["sandbox", "jail-check"])
    assert result.exit_code == 0, result.output
