"""The two-person review of gated outputs (R19.2 四眼原则, R18.1, R23.2): a security and a business review by
two different people of the agency, neither the submitter; approve / approve subject to change / reject;
final states; overdue alerts; signed receipts verifiable offline. Real jail, DuckDB, ledger key."""

import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from shuyu import ledger
from shuyu.core import clock
from shuyu.core.errors import DomainError, PermissionDenied
from shuyu.ledger.models import LedgerEntry
from shuyu.sandbox import receipts, review, rules, selectors, services
from shuyu.sandbox.models import Job, Output, Review

from .conftest import assert_no_canary, requires_jail

# No one has months > 100: every cell is zero, which the gate sends to review (zeros are disclosive).
ZERO_CELLS = (
    "SELECT district, sum(CASE WHEN months > 100 THEN amount ELSE 0 END) AS s FROM r_people GROUP BY district"
)
ZERO_CELLS_V2 = "SELECT district, sum(CASE WHEN months > 200 THEN amount ELSE 0 END) AS s2 FROM r_people GROUP BY district"


def _decide(actor, output, kind, decision="approve", note="理由充分", changes=None):
    return review.decide(actor, output_id=output.pk, kind=kind, decision=decision, note=note, changes=changes)


def _reviewed(output_id: int):
    return LedgerEntry.objects.filter(action="sandbox.output.reviewed", subject_id=str(output_id))


@pytest.fixture
def pending(world, workspace, fast_limits):
    """An output the gate sent to review, submitted by the operator."""
    job = services.submit_sql_job(world.operator, workspace_id=workspace.pk, sql=ZERO_CELLS)
    services.run_pending(limits=fast_limits)
    job.refresh_from_db()
    output = job.outputs.get()
    assert (job.status, output.verdict, output.status) == ("gated", "review", "pending"), job.error_en
    return output


# --- pure rules ----------------------------------------------------------------------------------------


def test_r19_2_release_needs_both_approvals_any_reject_blocks_a_condition_sends_back():
    assert rules.review_outcome({"security": "approve"}) == "pending"
    assert rules.review_outcome({"business": "conditional"}) == "pending"
    assert rules.review_outcome({"security": "approve", "business": "approve"}) == "released"
    assert rules.review_outcome({"security": "reject"}) == "blocked"
    assert rules.review_outcome({"security": "conditional", "business": "reject"}) == "blocked"
    assert rules.review_outcome({"security": "approve", "business": "conditional"}) == "changes"


def test_r19_2_one_review_per_kind_and_never_both_by_one_person():
    rules.check_review_slot(kind="business", reviewer_person_id=2, decided={"security": 1})
    with pytest.raises(DomainError) as err:
        rules.check_review_slot(kind="business", reviewer_person_id=1, decided={"security": 1})
    assert (err.value.requirement, err.value.context.get("code")) == ("R19.2", "same_reviewer")
    with pytest.raises(DomainError):
        rules.check_review_slot(kind="security", reviewer_person_id=2, decided={"security": 1})
    with pytest.raises(DomainError):
        rules.check_review_slot(kind="legal", reviewer_person_id=2, decided={})


def test_r19_2_approval_subject_to_change_names_the_changes():
    changes = rules.parse_changes("suppress 3 少于10人\nround 1\nother 删除列 s")
    assert changes == [
        {"action": "suppress", "cell": 3, "detail": "少于10人"},
        {"action": "round", "cell": 1, "detail": ""},
        {"action": "other", "cell": None, "detail": "删除列 s"},
    ]
    note, normalized = rules.check_review_decision(decision="conditional", note=" 抑制 ", changes=changes)
    assert note == "抑制" and normalized == changes
    for decision, given in (("conditional", []), ("approve", changes)):
        with pytest.raises(DomainError):
            rules.check_review_decision(decision=decision, note="x", changes=given)
    with pytest.raises(DomainError):
        rules.check_review_decision(decision="conditional", note="x", changes=[{"action": "leak", "cell": 1}])
    with pytest.raises(DomainError):
        rules.check_review_decision(decision="release", note="x", changes=None)
    with pytest.raises(DomainError):
        rules.check_review_decision(decision="approve", note="  ", changes=None)


def test_r19_2_final_states_are_refused_with_their_article():
    for status in ("released", "blocked", "superseded"):
        with pytest.raises(DomainError) as err:
            rules.check_output_awaits_review(status=status, verdict="review")
        assert (err.value.requirement, err.value.context.get("code")) == ("R19.2", "output_final")
    with pytest.raises(DomainError) as err:
        rules.check_output_awaits_review(status="changes", verdict="review")
    assert err.value.context.get("code") == "output_awaits_changes"


def _body(**over):
    return receipts.receipt_body(
        **{
            "output_id": 9,
            "job_id": 7,
            "output_name": "result",
            "version": 1,
            "output_sha256": "ab" * 32,
            "gate_settings": {"threshold": 10},
            "reason_codes": ["R19.2:zero_cell", "R19.2:zero_cell"],
            "kind": "security",
            "decision": "approve",
            "note": "零值不涉及个体",
            "changes": [],
            "output_status": "pending",
            "decided_at": "2026-03-02T02:00:00.000000Z",
            "agency_org_id": 1,
        }
        | over
    )


def test_r19_2_a_receipt_verifies_offline_and_a_tampered_one_fails():
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes_raw()
    receipt = receipts.sign_receipt(_body(), sign=key.sign, public_key=raw)
    assert receipt["rules"]["reasons"] == ["R19.2:zero_cell"]
    fingerprint = receipt["signature"]["key_fingerprint"]
    for trusted in (raw, raw.hex(), fingerprint):
        assert receipts.verify_receipt(receipt, trusted)
    assert not receipts.verify_receipt(receipt, other.public_key().public_bytes_raw())
    tampered = json.loads(json.dumps(receipt))
    tampered["review"]["decision"] = "reject"
    assert not receipts.verify_receipt(tampered, raw)
    swapped = receipts.sign_receipt(
        _body(decision="reject"), sign=other.sign, public_key=other.public_key().public_bytes_raw()
    )
    assert not receipts.verify_receipt(swapped, raw)  # re-signed by someone else: not our key
    assert not receipts.verify_receipt({"format": "x"}, raw)


# --- the services, on a real gated output ---------------------------------------------------------------


@requires_jail
def test_r19_2_both_reviews_are_needed_before_release(world, pending):
    out = _decide(world.reviewer, pending, "security").output
    assert out.status == "pending" and out.job.status == "gated"
    with pytest.raises(DomainError) as err:  # one approval releases nothing
        services.download_released_output(world.operator, output_id=pending.pk)
    assert err.value.requirement == "R04.1"
    assert [i.open_kinds for i in review.queue(world.reviewer)] == [[]]  # has decided one: not the other
    assert [i.open_kinds for i in review.queue(world.agency)] == [["business"]]
    before = ledger.size()
    out = _decide(world.agency, pending, "business", note="用途合规").output
    assert out.status == "released" and ledger.size() == before + 2  # reviewed, released
    out.job.refresh_from_db()
    assert out.job.status == "released"
    assert services.download_released_output(world.operator, output_id=pending.pk).rows
    assert _reviewed(pending.pk).count() == 2
    assert list(selectors.review_queue(world.reviewer)) == []
    assert_no_canary()


@requires_jail
def test_r19_2_one_person_cannot_make_both_reviews(world, pending):
    _decide(world.reviewer, pending, "security")
    with pytest.raises(DomainError) as err:
        _decide(world.reviewer, pending, "business")
    assert (err.value.requirement, err.value.context.get("code")) == ("R19.2", "same_reviewer")
    with pytest.raises(DomainError) as err:  # nor the same kind twice
        _decide(world.agency, pending, "security", decision="reject")
    assert err.value.context.get("code") == "review_decided"
    pending.refresh_from_db()
    assert pending.status == "pending" and Review.objects.filter(output=pending).count() == 1


@requires_jail
def test_r19_2_the_submitter_and_its_colleagues_cannot_review(world, pending):
    for actor in (world.operator, world.colleague):
        with pytest.raises(PermissionDenied):
            _decide(actor, pending, "security")
    assert not Review.objects.exists()
    with pytest.raises(DomainError) as err:  # the rule itself, whoever holds the permission
        rules.check_reviewer_not_submitter(
            submitter_person_id=pending.job.submitted_by_person_id,
            reviewer_person_id=pending.job.submitted_by_person_id,
        )
    assert err.value.requirement == "R19.2"


@requires_jail
def test_r19_2_approval_subject_to_change_goes_back_and_the_new_version_starts_empty(
    world, workspace, pending, fast_limits
):
    changes = [{"action": "suppress", "cell": 1, "detail": "零值单元格"}]
    _decide(world.reviewer, pending, "security", decision="conditional", note="抑制零值", changes=changes)
    out = _decide(world.agency, pending, "business").output
    assert out.status == "changes" and out.job.status == "gated"
    assert review.required_changes(out) == [changes[0] | {"kind": "security"}]
    with pytest.raises(DomainError) as err:  # nothing leaves, nothing more to decide on this version
        services.download_released_output(world.operator, output_id=pending.pk)
    assert err.value.requirement == "R04.1"
    with pytest.raises(DomainError):
        _decide(world.agency, pending, "security")

    job = review.resubmit(world.colleague, output_id=pending.pk, code=ZERO_CELLS_V2)
    assert (job.revises_id, job.revision, job.status) == (pending.pk, 2, "queued")
    pending.refresh_from_db()
    assert pending.status == "superseded"
    with pytest.raises(DomainError) as err:  # superseded is final; it takes no second new version either
        review.resubmit(world.operator, output_id=pending.pk, code=ZERO_CELLS_V2)
    assert err.value.context.get("code") == "not_awaiting_changes"
    services.run_pending(limits=fast_limits)
    new = Job.objects.get(pk=job.pk).outputs.get()
    assert (new.status, new.version, review.current_reviews(new)) == ("pending", 2, [])
    # the same two people review the new version afresh; both approvals are needed again
    assert _decide(world.reviewer, new, "security").output.status == "pending"
    assert _decide(world.agency, new, "business").output.status == "released"
    assert Review.objects.get(output=new, kind="business").version == 2
    assert LedgerEntry.objects.filter(action="sandbox.output.resubmitted").count() == 1


@requires_jail
def test_r19_2_reject_is_final_and_final_states_never_change(world, pending):
    out = _decide(world.reviewer, pending, "business", decision="reject", note="零值可推断").output
    assert (out.status, out.rows) == ("blocked", [])
    out.job.refresh_from_db()
    assert out.job.status == "blocked"
    for actor, kind in ((world.agency, "security"), (world.reviewer, "security")):
        with pytest.raises(DomainError) as err:
            _decide(actor, pending, kind)
        assert (err.value.requirement, err.value.context.get("code")) == ("R19.2", "output_final")
    with pytest.raises(DomainError):
        review.resubmit(world.operator, output_id=pending.pk, code=ZERO_CELLS_V2)
    with pytest.raises(DomainError):
        services.download_released_output(world.operator, output_id=pending.pk)
    assert _reviewed(pending.pk).count() == 1


@requires_jail
def test_r19_2_release_rechecks_differencing_against_releases_since(world, workspace, fast_limits):
    """Kept from the single review: the approval that would release is refused when, combined with what
    was released since the output was gated, it discloses one person (differencing); the first stays."""
    mixed = (  # counts of 80 per district, and a zero cell: to review
        "SELECT district, count(*) AS n, sum(CASE WHEN months > 100 THEN amount ELSE 0 END) AS s "
        "FROM r_people GROUP BY district"
    )
    first = services.submit_sql_job(world.operator, workspace_id=workspace.pk, sql=mixed)
    # District 510104 less its last payer (person 237, paid 2026-08-26): 79 people, released by the gate.
    sql = "SELECT count(*) AS n FROM r_people WHERE district = '510104' AND paid_on < DATE '2026-08-26'"
    later = services.submit_sql_job(world.colleague, workspace_id=workspace.pk, sql=sql)
    services.run_pending(limits=fast_limits)
    first.refresh_from_db()
    later.refresh_from_db()
    assert (first.status, later.status) == ("gated", "released"), (later.error_code, later.error_en)
    pending = first.outputs.get()
    _decide(world.reviewer, pending, "security")
    with pytest.raises(DomainError) as err:  # its district cell (80 people) less 79 = one person
        _decide(world.agency, pending, "business")
    assert err.value.requirement == "R19.2" and "differencing" in err.value.en
    pending.refresh_from_db()
    assert pending.status == "pending" and [r.kind for r in review.current_reviews(pending)] == ["security"]
    assert _decide(world.agency, pending, "business", decision="reject").output.status == "blocked"


@requires_jail
def test_r19_2_a_stuck_output_raises_one_alert(world, pending, settings):
    settings.SHUYU = dict(settings.SHUYU) | {"REVIEW_DEADLINE_WORKDAYS": 2}
    assert review.stuck_reviews(world.reviewer) == []
    with clock.frozen(clock.now() + dt.timedelta(days=9)):
        found = review.stuck_reviews(world.reviewer)
        assert [(s.output_id, s.status, s.alerted) for s in found] == [(pending.pk, "pending", False)]
        assert review.queue(world.reviewer)[0].overdue
        before = ledger.size()
        assert [s.alerted for s in review.sweep_stuck(world.reviewer)] == [True]
        assert ledger.size() == before + 1
        assert review.alert_stuck_reviews() == 0  # idempotent: the periodic sweep finds it alerted
        review.sweep_stuck(world.agency)
        assert ledger.size() == before + 1
        assert review.stuck_reviews(world.agency)[0].alerted
    with pytest.raises(PermissionDenied):
        review.stuck_reviews(world.operator)
    payload = json.loads(LedgerEntry.objects.get(action="sandbox.output.overdue").payload)
    assert payload["status"] == "pending" and payload["workdays"] == 2


@requires_jail
def test_r19_2_every_decision_yields_a_signed_receipt_that_verifies_offline(world, pending):
    from shuyu.ledger import signing

    _decide(
        world.reviewer, pending, "security", decision="conditional", changes=[{"action": "round", "cell": 0}]
    )
    _decide(world.agency, pending, "business")
    found = review.receipts_for(world.operator, output_id=pending.pk)  # the operator gets them too
    assert [(r["review"]["role"], r["review"]["decision"], r["outcome"]) for r in found] == [
        ("security", "conditional", "pending"),
        ("business", "approve", "changes"),
    ]
    key = signing.public_key_bytes()
    for r in found:
        assert r["output_sha256"] == pending.sha256 and r["output"]["id"] == pending.pk
        assert "R19.2:zero_cell" in r["rules"]["reasons"] and r["rules"]["gate_settings"]["threshold"] == 10
        assert receipts.verify_receipt(json.loads(json.dumps(r)), key)
        assert receipts.verify_receipt(r, signing.public_key_pem())
    forged = json.loads(json.dumps(found[1]))
    forged["outcome"] = "released"
    assert not receipts.verify_receipt(forged, key)
    with pytest.raises(Exception):  # noqa: B017 — strangers see no receipt
        review.receipts_for(world.stranger, output_id=pending.pk)


# --- API, CLI, page ------------------------------------------------------------------------------------


@requires_jail
def test_r19_2_api_two_reviews_receipts_and_stuck(world, pending, client, bearer):
    rv, ag, op = bearer(world.reviewer), bearer(world.agency), bearer(world.operator)
    base = "/api/sandbox/outputs"
    queue = client.get(f"{base}/review-queue", headers=rv).json()
    assert [(o["id"], o["version"], o["reviews"]) for o in queue] == [(pending.pk, 1, [])]
    body = {"kind": "security", "decision": "approve", "note": "安全"}
    r = client.post(f"{base}/{pending.pk}/review", body, content_type="application/json", headers=rv)
    assert r.status_code == 200 and r.json()["status"] == "pending"
    assert [x["kind"] for x in r.json()["reviews"]] == ["security"]
    body = {"kind": "business", "decision": "approve", "note": "自己两项"}
    r = client.post(f"{base}/{pending.pk}/review", body, content_type="application/json", headers=rv)
    assert r.status_code == 422 and r.json()["code"] == "R19.2"
    r = client.post(f"{base}/{pending.pk}/review", body, content_type="application/json", headers=op)
    assert r.status_code == 403
    r = client.post(f"{base}/{pending.pk}/review", body, content_type="application/json", headers=ag)
    assert r.status_code == 200 and r.json()["status"] == "released"
    r = client.post(f"{base}/{pending.pk}/review", body, content_type="application/json", headers=ag)
    assert r.status_code == 422 and "R19.2" in r.content.decode()  # final
    got = client.get(f"{base}/{pending.pk}/receipts", headers=op).json()
    assert [g["review"]["role"] for g in got] == ["security", "business"] and got[1]["outcome"] == "released"
    assert client.get(f"{base}/stuck", headers=rv).json() == []
    assert client.post(f"{base}/stuck/sweep", headers=rv).json() == []
    assert client.get(f"{base}/stuck", headers=op).status_code == 403


def _cli(*args):
    from shuyu.cli.main import app

    return CliRunner().invoke(app, [str(a) for a in args])


@requires_jail
def test_r19_2_cli_two_reviews_receipt_verify_offline_and_stuck(world, pending, admin, tmp_path):
    from shuyu.ledger import signing
    from shuyu.orgs import tokens

    rv = tokens.issue_token(admin, person_id=world.reviewer.person_id).raw
    ag = tokens.issue_token(admin, person_id=world.agency.person_id).raw
    r = _cli("output", "queue", "--token", rv)
    assert r.exit_code == 0 and str(pending.pk) in r.output and "security, business" in r.output
    r = _cli("output", "review", pending.pk, "--kind", "security", "--decision", "conditional",
             "--note", "抑制", "--change", "suppress 1 零值", "--token", rv)  # fmt: skip
    assert r.exit_code == 0 and "pending" in r.output, r.output
    r = _cli("output", "review", pending.pk, "--kind", "business", "--decision", "approve", "--note", "x", "--token", rv)  # fmt: skip
    assert r.exit_code == 1 and "R19.2" in r.output
    r = _cli("output", "review", pending.pk, "--kind", "business", "--decision", "approve", "--note", "合规", "--token", ag)  # fmt: skip
    assert r.exit_code == 0 and "changes" in r.output, r.output
    assert Review.objects.get(output=pending, kind="security").changes == [
        {"action": "suppress", "cell": 1, "detail": "零值"}
    ]

    out = tmp_path / "r.json"
    r = _cli("output", "receipt", pending.pk, "-o", out, "--kind", "business", "--token", ag)
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text())["review"]["role"] == "business"
    r = _cli("output", "verify-receipt", out, "--public-key", signing.fingerprint())
    assert r.exit_code == 0 and "OK" in r.output, r.output
    pem = tmp_path / "key.pem"
    pem.write_text(signing.public_key_pem())
    assert _cli("output", "verify-receipt", out, "--public-key", pem).exit_code == 0
    receipt = json.loads(out.read_text())
    receipt["outcome"] = "released"
    out.write_text(json.dumps(receipt))
    r = _cli("output", "verify-receipt", out)
    assert r.exit_code == 1 and "FAILED" in r.output
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw().hex()
    all_ = tmp_path / "all.json"
    assert _cli("output", "receipt", pending.pk, "-o", all_, "--token", rv).exit_code == 0
    assert len(json.loads(all_.read_text())) == 2
    assert _cli("output", "verify-receipt", all_).exit_code == 0
    assert _cli("output", "verify-receipt", all_, "--public-key", other).exit_code == 1

    r = _cli("output", "stuck", "--token", rv)
    assert r.exit_code == 0 and "overdue: 0" in r.output
    with clock.frozen(clock.now() + dt.timedelta(days=12)):
        r = _cli("output", "stuck", "--token", rv)
        assert r.exit_code == 0 and str(pending.pk) in r.output and "changes" in r.output
        _cli("output", "stuck", "--token", ag)
    assert LedgerEntry.objects.filter(action="sandbox.output.overdue").count() == 1


@requires_jail
def test_r19_2_pages_queue_to_two_decisions(world, pending):
    from django.test import Client

    from shuyu.orgs.models import Person

    def _client(actor):
        c = Client()
        c.force_login(Person.objects.get(pk=actor.person_id).user)
        return c

    rv, ag, op = _client(world.reviewer), _client(world.agency), _client(world.operator)
    page = rv.get("/sandbox/").content.decode()
    assert f"/sandbox/outputs/{pending.pk}/review" in page and "zero_cell" in page and "第 0 行" in page
    r = rv.post(f"/sandbox/outputs/{pending.pk}/review",
                {"kind": "security", "decision": "conditional", "note": "抑制", "changes": "suppress 2 零值"})  # fmt: skip
    assert r.status_code == 302
    page = rv.get("/sandbox/").content.decode()
    assert f"/sandbox/outputs/{pending.pk}/review" not in page  # one review each: the other is someone else's
    r = rv.post(
        f"/sandbox/outputs/{pending.pk}/review", {"kind": "business", "decision": "approve", "note": "x"}
    )
    assert r.status_code == 422 and "R19.2" in r.content.decode()
    r = ag.post(
        f"/sandbox/outputs/{pending.pk}/review", {"kind": "business", "decision": "approve", "note": "合规"}
    )
    assert r.status_code == 302
    ws = op.get(f"/sandbox/workspaces/{pending.job.workspace_id}/").content.decode()
    assert "附条件批准" in ws and "suppress" in ws and f"/sandbox/outputs/{pending.pk}/resubmit" in ws
    r = op.post(f"/sandbox/outputs/{pending.pk}/resubmit", {"code": ZERO_CELLS_V2})
    assert r.status_code == 302
    assert Job.objects.get(revises=pending).revision == 2
    assert Output.objects.get(pk=pending.pk).status == "superseded"
    assert_no_canary(page, ws)


@pytest.mark.browser
@requires_jail
def test_r19_2_reviewer_queue_to_decision_in_a_real_browser(world, pending, page, login, screenshot):
    login(world.reviewer)
    page.goto("/sandbox/")
    card = page.locator(f"#output-{pending.pk}")
    text = card.inner_text()
    assert "zero_cell" in text and "第 0 行" in text and "无 none" in text  # reasons per cell, no review yet
    card.locator("select[name=kind]").select_option("security")
    card.locator("input[name=note]").fill("零值需抑制")
    card.locator("textarea[name=changes]").fill("suppress 1 零值单元格")
    screenshot(page, "queue")
    with page.expect_navigation():
        card.locator("button[value=conditional]").click()
    assert "附条件批准" in page.inner_text("main")
    card = page.locator(f"#output-{pending.pk}")
    assert "安全审查 security：附条件批准" in card.inner_text()
    assert card.locator("form").count() == 0  # the business review is someone else's
    assert review.current_reviews(pending)[0].changes == [
        {"action": "suppress", "cell": 1, "detail": "零值单元格"}
    ]


@requires_jail
def test_r19_2_a_revision_the_gate_would_pass_is_still_reviewed_again(world, pending, fast_limits):
    changes = [{"action": "suppress", "cell": 1, "detail": "零值单元格"}]
    _decide(world.reviewer, pending, "security", decision="conditional", note="抑制零值", changes=changes)
    _decide(world.agency, pending, "business")
    passing = "SELECT district, count(*) AS n FROM r_people GROUP BY district"  # 80 people per district
    job = review.resubmit(world.operator, output_id=pending.pk, code=passing)
    services.run_pending(limits=fast_limits)
    new = Job.objects.get(pk=job.pk).outputs.get()
    assert (new.status, new.verdict) == ("pending", "review")
    assert [r["code"] for r in new.reasons] == ["revision_reviewed_again"]
    with pytest.raises(DomainError):  # not released until both reviews approve the changed output
        services.download_released_output(world.operator, output_id=new.pk)
    _decide(world.reviewer, new, "security")
    assert _decide(world.agency, new, "business").output.status == "released"


@requires_jail
def test_r19_2_a_revision_is_linked_from_its_creation_so_a_fast_worker_cannot_release_it(
    world, pending, fast_limits
):
    changes = [{"action": "suppress", "cell": 1, "detail": "零值单元格"}]
    _decide(world.reviewer, pending, "security", decision="conditional", note="抑制零值", changes=changes)
    _decide(world.agency, pending, "business")
    passing = "SELECT district, count(*) AS n FROM r_people GROUP BY district"
    # the worker runs the new job before the resubmission's second step could mark anything
    job = services.submit_sql_job(
        world.operator, workspace_id=pending.job.workspace_id, sql=passing, revises=pending
    )
    assert (job.revises_id, job.revision) == (pending.pk, 2)
    services.run_pending(limits=fast_limits)
    assert Job.objects.get(pk=job.pk).outputs.get().status == "pending"  # reviewed again, not released


# Counted cells (80 people each) have contributor sets kept as files; the zero sums send it to review.
COUNTED_ZERO_CELLS = (
    "SELECT district, count(*) AS n, sum(CASE WHEN months > 100 THEN amount ELSE 0 END) AS s "
    "FROM r_people GROUP BY district"
)


@pytest.fixture
def pending_with_files(world, workspace, fast_limits):
    job = services.submit_sql_job(world.operator, workspace_id=workspace.pk, sql=COUNTED_ZERO_CELLS)
    services.run_pending(limits=fast_limits)
    output = Job.objects.get(pk=job.pk).outputs.get()
    assert output.status == "pending" and review._population_files(output)
    return output


@requires_jail
def test_r19_2_a_rejected_outputs_contributor_sets_leave_the_store(
    world, pending_with_files, django_capture_on_commit_callbacks
):
    from shuyu.sandbox import services as sandbox_services

    files = review._population_files(pending_with_files)
    root = sandbox_services._population_root()
    assert all((root / f).exists() for f in files)
    with django_capture_on_commit_callbacks(execute=True):
        out = _decide(
            world.reviewer, pending_with_files, "security", decision="reject", note="可推断个人"
        ).output
    assert out.populations == [] and out.status == "blocked"
    assert not any((root / f).exists() for f in files)


@requires_jail
def test_r19_2_a_population_file_another_live_output_shares_is_kept(
    world, pending_with_files, django_capture_on_commit_callbacks
):
    from shuyu.sandbox import services as sandbox_services

    p = pending_with_files
    sibling = Output.objects.create(
        job=p.job,
        name="sibling",
        verdict="review",
        reasons=p.reasons,
        status="pending",
        columns=p.columns,
        rows=p.rows,
        sha256=p.sha256,
        populations=p.populations,
        created_at=p.created_at,
    )
    files = review._population_files(p)
    with django_capture_on_commit_callbacks(execute=True):
        _decide(world.reviewer, p, "security", decision="reject", note="可推断个人")
    root = sandbox_services._population_root()
    assert all((root / f).exists() for f in files) and review._population_files(sibling) == files
