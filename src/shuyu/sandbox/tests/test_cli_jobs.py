"""`shuyu workspace/mock/job/output …`: the operator's and the reviewer's path on the command line."""

import json

from typer.testing import CliRunner

from shuyu.cli.main import app
from shuyu.orgs import tokens

from .conftest import CANARY, assert_no_canary, requires_jail


def _token(admin, actor) -> str:
    return tokens.issue_token(admin, person_id=actor.person_id).raw


def _run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@requires_jail
def test_r19_2_cli_operator_submits_against_mock_and_reviewer_releases(world, workspace, admin, tmp_path):
    op, rv = _token(admin, world.operator), _token(admin, world.reviewer)
    ag = _token(admin, world.agency)
    outputs = []

    r = _run("workspace", "list", "--token", op)
    assert r.exit_code == 0 and "r_people" in r.output
    r = _run("workspace", "schema", workspace.pk, "-o", tmp_path / "schema.json", "--token", op)
    assert (
        r.exit_code == 0
        and json.loads((tmp_path / "schema.json").read_text())["tables"][0]["unit"] == "id_no"
    )
    r = _run(
        "mock",
        "download",
        workspace.pk,
        "r_people",
        "-o",
        tmp_path / "mock.parquet",
        "--rows",
        30,
        "--token",
        op,
    )
    assert r.exit_code == 0 and CANARY.encode() not in (tmp_path / "mock.parquet").read_bytes()

    query = tmp_path / "q.sql"
    query.write_text(
        "SELECT district, sum(CASE WHEN months > 100 THEN amount ELSE 0 END) AS s FROM r_people GROUP BY district"
    )
    r = _run(
        "sandbox", "check-sql", query, "--schema", tmp_path / "schema.json"
    )  # offline, against the schema
    assert r.exit_code == 0, r.output
    r = _run("job", "submit", workspace.pk, query, "--token", op)
    assert r.exit_code == 0, r.output
    job_id = int(r.output.split("job")[-1].strip())
    assert _run("job", "run-pending").exit_code == 0
    r = _run("job", "status", job_id, "--token", op)
    assert "gated" in r.output and "zero_cell" in r.output
    outputs.append(r.output)
    output_id = world_output(job_id)

    r = _run("output", "download", output_id, "-o", tmp_path / "out.csv", "--token", op)
    assert r.exit_code == 1 and "R04.1" in r.output
    approve = ("--decision", "approve")
    r = _run("output", "review", output_id, "--kind", "security", *approve, "--note", "自审", "--token", op)
    assert r.exit_code != 0  # the operator holds no review permission, let alone on its own output
    r = _run("output", "queue", "--token", rv)
    assert str(output_id) in r.output
    r = _run(
        "output",
        "review",
        output_id,
        "--kind",
        "security",
        *approve,
        "--note",
        "零值不涉及个体",
        "--token",
        rv,
    )
    assert r.exit_code == 0, r.output
    r = _run("output", "download", output_id, "-o", tmp_path / "out.csv", "--token", op)
    assert r.exit_code == 1 and "R04.1" in r.output  # one review releases nothing (四眼原则)
    r = _run(
        "output", "review", output_id, "--kind", "business", *approve, "--note", "用途合规", "--token", ag
    )
    assert r.exit_code == 0, r.output
    r = _run("output", "download", output_id, "-o", tmp_path / "out.csv", "--token", op)
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out.csv").read_text().splitlines()[0] == "district,s"
    outputs.append((tmp_path / "out.csv").read_text())
    assert_no_canary(*outputs)


def world_output(job_id: int) -> int:
    from shuyu.sandbox.models import Output

    return Output.objects.get(job_id=job_id).pk


def test_r19_1_cli_refused_query_names_its_article(world, workspace, admin, tmp_path):
    query = tmp_path / "q.sql"
    query.write_text("SELECT id_no FROM r_people LIMIT 1")
    r = _run("job", "submit", workspace.pk, query, "--token", _token(admin, world.operator))
    assert r.exit_code == 1 and "R04.1" in r.output


@requires_jail
def test_r19_1_cli_lists_jobs_and_outputs_without_data(world, workspace, admin, fast_limits):
    from shuyu.sandbox import services

    op = _token(admin, world.operator)
    services.submit_sql_job(
        world.operator,
        workspace_id=workspace.pk,
        sql="select district, count(*) n from r_people group by district",
    )
    services.run_pending(limits=fast_limits)
    r = _run("job", "list", workspace.pk, "--token", op)
    assert r.exit_code == 0 and "released" in r.output, r.output
    r = _run("output", "list", "--workspace", workspace.pk, "--status", "released", "--token", op)
    assert r.exit_code == 0 and "verdict=pass" in r.output
    assert "张" not in r.output  # no data values: names are never listed
    r = _run("output", "list", "--token", _token(admin, world.stranger))
    assert r.exit_code == 0 and r.output.strip() == ""  # another operator sees none
