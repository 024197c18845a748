"""The notebook client against a real server: submit → wait → download a released output; every refusal
arrives as a ShuyuError carrying the article in Chinese and English, never the query's own text."""

import json
import subprocess
import sys

import pytest

from shuyu.client import Client, Reason, ShuyuError
from shuyu.sandbox import services
from shuyu.sandbox.tests.conftest import CANARY, requires_jail

LIVE = pytest.mark.django_db(transaction=True, serialized_rollback=True)
BY_DISTRICT = "SELECT district, count(*) AS n, sum(amount) AS total FROM r_people GROUP BY district"
ZERO_CELLS = (
    "SELECT district, sum(CASE WHEN months > 100 THEN amount ELSE 0 END) AS s FROM r_people GROUP BY district"
)


@LIVE
@requires_jail
def test_r19_2_client_submits_waits_and_downloads_only_released_outputs(
    world, workspace, connect, fast_limits, capsys
):
    c = connect(world.operator)
    ws = c.workspace(workspace.pk)
    assert ws.tables() == ["r_people"]
    mock = ws.mock("r_people", rows=50)  # no pandas/pyarrow in this environment: dicts read by duckdb
    assert len(mock) == 50 and set(mock[0]) == {"id_no", "name", "district", "amount", "paid_on", "months"}
    assert CANARY not in json.dumps(mock, default=str)

    passed, gated = ws.submit_sql(BY_DISTRICT), ws.submit_sql(ZERO_CELLS)
    assert passed.status == "queued"
    services.run_pending(limits=fast_limits)  # the real worker, as `shuyu sandbox worker` runs it

    assert passed.wait(timeout=60, progress=True) is passed and passed.status == "released"
    assert "released" in capsys.readouterr().out
    (out,) = passed.outputs
    assert out.status == "released" and all(isinstance(r, Reason) for r in out.reasons)
    table = out.download()
    assert sorted(r["n"] for r in table) == [80, 80, 80]
    assert {r["district"] for r in table} == {"510104", "510105", "510106"}

    assert gated.wait(timeout=60).status == "gated"
    (pending,) = gated.outputs
    assert pending.status == "pending" and pending.reasons
    with pytest.raises(ShuyuError) as err:
        pending.download()
    assert err.value.status == 422 and err.value.code == "R04.1" and err.value.article == "第四条"
    assert "未经审查" in err.value.zh and "not been released" in err.value.en

    # a stranger sees neither the job nor its output: the server's 404, not a client guess
    with pytest.raises(ShuyuError) as err:
        connect(world.stranger).output(out.id).download()
    assert err.value.status == 404


@LIVE
def test_r04_1_client_refused_raw_query_raises_with_article_and_no_echo(world, workspace, connect):
    ws = connect(world.operator).workspace(workspace.pk)
    for sql in (f"SELECT count(*) FROM r_people WHERE name = '{CANARY}-name'", "SELECT * FROM r_people"):
        with pytest.raises(ShuyuError) as err:
            ws.submit_sql(sql)
        e = err.value
        assert e.status == 422 and e.code in ("R04.1", "R19.1") and e.article in ("第四条", "第十九条")
        assert e.zh and e.en
        assert CANARY not in str(e) and "r_people" not in e.zh + e.en  # no echo of the query
    assert ws.jobs() == []

    # someone else's workspace: the server's own not-found, in both languages
    with pytest.raises(ShuyuError) as err:
        connect(world.stranger).workspace(workspace.pk)
    assert err.value.status == 404 and err.value.zh and err.value.en


@LIVE
def test_r18_2_client_dp_estimate_spends_nothing_and_over_budget_is_refused(world, workspace, connect):
    from shuyu.sandbox import budget

    budget.set_budget(world.agency, agreement_id=world.agreement.pk, resource="R-PEOPLE", epsilon=1.0)
    ws = connect(world.operator).workspace(workspace.pk)
    districts = {"district": ["510104", "510105", "510106"]}
    est = ws.dp_estimate("r_people", "count", epsilon=0.6, group_by=["district"], keys=districts)
    assert est["affordable"] and est["epsilon_remaining"] == 1.0 and est["cells"] == 3
    (line,) = ws.dp_budget()
    assert line["epsilon_spent"] == 0.0  # an estimate spends nothing
    with pytest.raises(ShuyuError) as err:
        ws.submit_dp("r_people", "count", epsilon=5.0, group_by=["district"], keys=districts)
    assert err.value.code == "R18.2" and err.value.zh and err.value.en


@LIVE
def test_r22_1_client_login_and_bad_token(live_server, admin):
    c = Client.login(live_server.url, "root-admin", "Adm1n-pass-2026")
    assert c.me()["display_name"] and "shuyu_" not in repr(c)
    with pytest.raises(ShuyuError) as err:
        Client(live_server.url, token="shuyu_not-a-token").workspaces()
    assert err.value.status == 401 and err.value.code == "R22.1"
    with pytest.raises(ShuyuError) as err:
        Client.login(live_server.url, "root-admin", "wrong")
    assert err.value.status == 401 and "wrong" not in str(err.value).replace("wrong username", "")


def test_client_error_body_that_is_not_the_apis_is_not_echoed():
    e = ShuyuError.from_body(502, b"<html>CANARY upstream</html>")
    assert e.status == 502 and e.code == "HTTP" and "CANARY" not in str(e)


def test_client_imports_neither_django_nor_other_shuyu_modules():
    code = (
        "import sys, shuyu.client; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'django' "
        "or (m.startswith('shuyu.') and not m.startswith('shuyu.client'))); print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
