"""Ledger API: public checkpoints, key and proofs; entries and evidence for permission holders (R18.1)."""

import pytest
from django.db import transaction
from django.test import Client

from shuyu import ledger
from shuyu.core.actors import Actor
from shuyu.ledger import evidence, merkle, services, signing

SYSTEM = Actor.system("ledger-test")


@pytest.fixture
def filled(db):
    with transaction.atomic():
        ledger.append_many(SYSTEM, [("test.thing.made", ("test.thing", i % 3), {"i": i}) for i in range(11)])
    return services.sign_checkpoint(SYSTEM)


def test_r18_1_latest_checkpoint_is_public_and_verifies(filled):
    response = Client().get("/api/ledger/checkpoints/latest")
    assert response.status_code == 200
    body = response.json()
    assert body["tree_size"] == 11
    assert evidence.verify_checkpoint(body, trusted_key=signing.fingerprint()).hex() == body["root_hash"]


def test_latest_checkpoint_before_any_is_404(db):
    assert Client().get("/api/ledger/checkpoints/latest").status_code == 404


def test_r18_1_public_key_is_public(db):
    body = Client().get("/api/ledger/public-key").json()
    assert body["key_fingerprint"] == evidence.key_fingerprint(bytes.fromhex(body["public_key"]))
    assert body["pem"].startswith("-----BEGIN PUBLIC KEY-----")


def test_r18_1_public_proofs_verify_against_the_checkpoint(filled):
    c = Client()
    p = c.get("/api/ledger/proofs/inclusion", {"seq": 6, "tree_size": 11}).json()
    root = bytes.fromhex(filled.root_hash)
    merkle.verify_inclusion(
        6, 11, bytes.fromhex(p["leaf_hash"]), [bytes.fromhex(h) for h in p["hashes"]], root
    )
    q = c.get("/api/ledger/proofs/consistency", {"old_size": 5, "tree_size": 11}).json()
    merkle.verify_consistency(
        5, 11, bytes.fromhex(q["old_root_hash"]), root, [bytes.fromhex(h) for h in q["hashes"]]
    )


def test_r18_1_proof_beyond_the_tree_is_422_with_article(filled):
    response = Client().get("/api/ledger/proofs/inclusion", {"seq": 11})
    assert response.status_code == 422 and response.json()["code"] == "R18.1"


def test_r22_1_auditor_reads_entries_by_subject(filled, auditor, bearer):
    response = Client().get(
        "/api/ledger/entries", {"subject_kind": "test.thing", "subject_id": "1"}, headers=bearer(auditor)
    )
    assert response.status_code == 200
    assert [e["seq"] for e in response.json()] == [1, 4, 7, 10]


def test_r22_1_entries_without_permission_are_403(filled, make_actor, bearer):
    operator = make_actor("operator")
    assert Client().get("/api/ledger/entries", headers=bearer(operator)).status_code == 403
    assert Client().get("/api/ledger/entries").status_code == 401


def test_r18_1_sign_checkpoint_on_demand(admin, bearer, auditor):
    before = ledger.size()
    assert Client().post("/api/ledger/checkpoints", headers=bearer(admin)).status_code == 201
    assert Client().post("/api/ledger/checkpoints", headers=bearer(auditor)).status_code == 403
    assert services.verify_store().ok and ledger.size() == before + 2  # the two token issues


def test_r18_1_evidence_export_through_the_api_verifies_offline(filled, auditor, bearer):
    headers = bearer(auditor)
    before = ledger.size()
    response = Client().post(
        "/api/ledger/evidence", {"subject": "test.thing/2"}, content_type="application/json", headers=headers
    )
    assert response.status_code == 200 and ledger.size() == before + 1
    assert evidence.verify_bundle(response.json(), trusted_key=signing.fingerprint()).entries == 3 + 1


def test_r22_1_evidence_export_without_permission_is_403_and_ledger_unchanged(filled, make_actor, bearer):
    headers = bearer(make_actor("operator"))
    before = ledger.size()
    response = Client().post(
        "/api/ledger/evidence", {"subject": "test.thing/2"}, content_type="application/json", headers=headers
    )
    assert response.status_code == 403 and ledger.size() == before
