"""The sandbox API end to end, and the attacks on every output path: nothing raw leaves (R04.1, R19.2).

Every response body of these tests is kept and scanned for the canary planted in the vault, together
with the ledger and everything stored about jobs and outputs.
"""

import duckdb
import pytest

from shuyu import ledger
from shuyu.sandbox import services

from .conftest import CANARY, assert_no_canary, requires_jail

J = "application/json"
BY_DISTRICT = "SELECT district, count(*) AS n, sum(amount) AS total FROM r_people GROUP BY district"


@pytest.fixture
def api(client, bearer):
    """api(actor).get/post(path, body) → response; every body is kept in `api.bodies`."""
    bodies = []

    class _Api:
        def __init__(self, actor):
            self.headers = bearer(actor)

        def get(self, path):
            r = client.get(f"/api/sandbox{path}", headers=self.headers)
            bodies.append(r.content)
            return r

        def post(self, path, body=None):
            r = client.post(f"/api/sandbox{path}", body or {}, content_type=J, headers=self.headers)
            bodies.append(r.content)
            return r

    _Api.bodies = bodies
    return _Api


def test_r19_1_workspace_create_and_list(world, api):
    op = api(world.operator)
    before = ledger.size()
    r = op.post("/workspaces", {"agreement_id": world.agreement.pk, "name": "分析"})
    assert r.status_code == 201, r.content
    assert r.json()["tables"] == [
        {"name": "r_people", "resource_code": "R-PEOPLE", "resource_name": "社会保险缴费记录"}
    ]
    assert ledger.size() == before + 1
    assert [w["name"] for w in op.get("/workspaces").json()] == ["分析"]
    assert api(world.stranger).get("/workspaces").json() == []


def test_r19_1_workspace_create_without_permission_is_refused_and_ledger_unchanged(world, api):
    stranger, agency = api(world.stranger), api(world.agency)  # issuing their tokens is an act too
    before = ledger.size()
    r = stranger.post("/workspaces", {"agreement_id": world.agreement.pk, "name": "x"})
    assert r.status_code == 404 and ledger.size() == before
    r = agency.post("/workspaces", {"agreement_id": world.agreement.pk, "name": "x"})
    assert r.status_code == 403 and ledger.size() == before


def test_r19_1_mock_data_follows_the_schema_and_holds_no_raw_value(world, workspace, api, tmp_path):
    r = api(world.operator).get(f"/workspaces/{workspace.pk}/mock/r_people?rows=50")
    assert r.status_code == 200
    path = tmp_path / "mock.parquet"
    path.write_bytes(r.content)
    con = duckdb.connect()
    assert con.execute("select count(*) from read_parquet(?)", [str(path)]).fetchone()[0] == 50
    described = con.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()
    assert {c[0] for c in described} == {"id_no", "name", "district", "amount", "paid_on", "months"}
    assert CANARY.encode() not in r.content
    assert api(world.stranger).get(f"/workspaces/{workspace.pk}/mock/r_people").status_code == 404
    assert api(world.reviewer).get(f"/workspaces/{workspace.pk}/mock/r_people").status_code == 404


def test_r19_1_schema_document_names_rules_not_values(world, workspace, api):
    doc = api(world.operator).get(f"/workspaces/{workspace.pk}/schema").json()
    rules = {f["name"]: f["rule"] for f in doc["tables"][0]["fields"]}
    assert rules["id_no"] == "identifier" and rules["amount"] == "sensitive"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM r_people",
        "SELECT id_no FROM r_people LIMIT 1",
        "SELECT name, count(*) FROM r_people GROUP BY name",
        f"SELECT count(*) FROM r_people WHERE name = '{CANARY}-name'",
        "SELECT * FROM read_parquet('/vault/*.parquet')",
        "SELECT min(name) FROM r_people",
        "SELECT string_agg(name, ',') FROM r_people",
        "COPY r_people TO '/tmp/x.csv'",
    ],
)
def test_r04_1_attack_queries_are_refused_at_submission_without_echo(world, workspace, api, sql):
    r = api(world.operator).post(f"/workspaces/{workspace.pk}/jobs", {"kind": "sql", "code": sql})
    assert r.status_code == 422
    assert r.json()["code"] in ("R04.1", "R19.1")
    assert_no_canary(*api.bodies)


@requires_jail
def test_r04_1_every_output_path_of_a_job_carries_no_raw_value(world, workspace, api, fast_limits):
    op, rv, ag = api(world.operator), api(world.reviewer), api(world.agency)
    zero = "SELECT district, sum(CASE WHEN months > 100 THEN amount ELSE 0 END) AS s FROM r_people GROUP BY district"
    ids = [
        op.post(f"/workspaces/{workspace.pk}/jobs", {"kind": "sql", "code": code}).json()["id"]
        for code in (BY_DISTRICT, zero)
    ]
    crash = "from shuyu_sdk import load\nrows = load('r_people').fetchall()\nprint(rows)\nraise KeyError(rows[0][1])\n"
    ids.append(op.post(f"/workspaces/{workspace.pk}/jobs", {"kind": "python", "code": crash}).json()["id"])
    services.run_pending(limits=fast_limits)
    passed, gated, crashed = (op.get(f"/jobs/{i}").json() for i in ids)
    assert passed["status"] == "released" and gated["status"] == "gated"
    assert crashed["status"] == "failed" and crashed["log"].startswith("error: KeyError")
    assert all("rows" not in o for o in passed["outputs"] + gated["outputs"])
    pending = gated["outputs"][0]["id"]

    # the unreleased output, through every path: verdict, download, queue, job list
    assert op.get(f"/outputs/{pending}").json()["status"] == "pending"
    assert op.get(f"/outputs/{pending}/download").status_code == 422
    assert rv.get(f"/outputs/{pending}/download").status_code == 404
    assert api(world.stranger).get(f"/outputs/{pending}").status_code == 404
    assert api(world.stranger).get(f"/jobs/{ids[0]}").status_code == 404
    assert [o["id"] for o in rv.get("/outputs/review-queue").json()] == [pending]
    op.get(f"/workspaces/{workspace.pk}/jobs")

    # four eyes: the submitter's colleague is not a reviewer; the agency's reviewer decides
    assert (
        api(world.colleague)
        .post(f"/outputs/{pending}/review", {"kind": "security", "decision": "approve", "note": "x"})
        .status_code
        == 403
    )
    r = rv.post(f"/outputs/{pending}/review", {"kind": "security", "decision": "approve", "note": "安全"})
    assert r.status_code == 200 and r.json()["status"] == "pending"  # one review releases nothing
    assert op.get(f"/outputs/{pending}/download").status_code == 422
    r = ag.post(
        f"/outputs/{pending}/review", {"kind": "business", "decision": "reject", "note": "零值单元格可推断"}
    )
    assert r.status_code == 200 and r.json()["status"] == "blocked"
    assert all("rows" not in x for x in op.get(f"/outputs/{pending}/receipts").json())
    assert op.get(f"/outputs/{pending}/download").status_code == 422

    released = passed["outputs"][0]["id"]
    before = ledger.size()
    r = op.get(f"/outputs/{released}/download")
    assert r.status_code == 200 and [row[1] for row in r.json()["rows"]] == [80, 80, 80]
    assert ledger.size() == before + 1
    assert_no_canary(*api.bodies)


def test_r19_2_gate_settings_endpoint_agency_only_one_ledger_entry(world, api, client):
    op, rv = api(world.operator), api(world.reviewer)
    path = f"/api/sandbox/agreements/{world.agreement.pk}/gate-settings"
    before = ledger.size()
    r = client.put(path, {"threshold": 20}, content_type=J, headers=op.headers)
    assert r.status_code == 403 and ledger.size() == before
    r = client.put(path, {"threshold": 20}, content_type=J, headers=rv.headers)
    assert r.status_code == 200 and r.json()["threshold"] == 20 and ledger.size() == before + 1


def test_job_cancel_endpoint_member_only(world, workspace, api):
    op, stranger = api(world.operator), api(world.stranger)
    job = op.post(f"/workspaces/{workspace.pk}/jobs", {"kind": "sql", "code": BY_DISTRICT}).json()
    before = ledger.size()
    assert stranger.post(f"/jobs/{job['id']}/cancel").status_code == 404 and ledger.size() == before
    r = op.post(f"/jobs/{job['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and ledger.size() == before + 1
