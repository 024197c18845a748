"""The operator's and the reviewer's pages (R19.1, R19.2): submit against mock, see the verdict, review."""

from django.test import Client

from shuyu.orgs.models import Person
from shuyu.sandbox import services
from shuyu.sandbox.models import Job, Output

from .conftest import CANARY, assert_no_canary, requires_jail

ZERO = (
    "SELECT district, sum(CASE WHEN months > 100 THEN amount ELSE 0 END) AS s FROM r_people GROUP BY district"
)


def _client(actor) -> Client:
    c = Client()
    c.force_login(Person.objects.get(pk=actor.person_id).user)
    return c


def test_r04_1_workspace_page_refuses_a_raw_query_with_its_article(world, workspace):
    op = _client(world.operator)
    assert "金融分析" in op.get("/sandbox/").content.decode()
    assert "r_people" in op.get(f"/sandbox/workspaces/{workspace.pk}/").content.decode()
    r = op.post(f"/sandbox/workspaces/{workspace.pk}/jobs", {"sql": "SELECT id_no FROM r_people"})
    assert r.status_code == 422 and "R04.1" in r.content.decode()
    assert not Job.objects.exists()
    assert op.get(f"/sandbox/workspaces/{workspace.pk}/mock/r_people").status_code == 200
    assert _client(world.stranger).get(f"/sandbox/workspaces/{workspace.pk}/").status_code == 404


@requires_jail
def test_r19_2_operator_submits_sees_verdict_and_reviewer_releases_in_the_browser(
    world, workspace, fast_limits
):
    op, rv, ag = _client(world.operator), _client(world.reviewer), _client(world.agency)
    bodies = []
    r = op.post(f"/sandbox/workspaces/{workspace.pk}/jobs", {"sql": ZERO})
    assert r.status_code == 302
    services.run_pending(limits=fast_limits)
    output = Output.objects.get()
    page = op.get(f"/sandbox/workspaces/{workspace.pk}/").content.decode()
    assert "zero_cell" in page and f"/sandbox/outputs/{output.pk}/download" not in page
    bodies.append(page)
    assert op.get(f"/sandbox/outputs/{output.pk}/download").status_code == 422
    queue = rv.get("/sandbox/").content.decode()
    assert f"/sandbox/outputs/{output.pk}/review" in queue
    bodies.append(queue)
    approve = {"decision": "approve"}
    r = op.post(f"/sandbox/outputs/{output.pk}/review", approve | {"kind": "security", "note": "自审"})
    assert r.status_code == 403
    r = rv.post(
        f"/sandbox/outputs/{output.pk}/review", approve | {"kind": "security", "note": "零值不涉及个体"}
    )
    assert r.status_code == 302
    assert op.get(f"/sandbox/outputs/{output.pk}/download").status_code == 422  # one review: not yet
    r = ag.post(f"/sandbox/outputs/{output.pk}/review", approve | {"kind": "business", "note": "用途合规"})
    assert r.status_code == 302
    r = op.get(f"/sandbox/outputs/{output.pk}/download")
    assert r.status_code == 200 and r.content.decode().startswith("district,s")
    bodies.append(r.content)
    assert_no_canary(*bodies)
    assert CANARY not in op.get(f"/sandbox/workspaces/{workspace.pk}/").content.decode()
