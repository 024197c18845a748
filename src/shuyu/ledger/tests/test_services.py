"""Appending, proofs, checkpoints, evidence bundles and whole-store verification (R18.1, R22.1)."""

import base64
import copy
import json
import os
import stat

import pytest
from django.db import connection, transaction

from shuyu import ledger
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError, NotFound, PermissionDenied
from shuyu.ledger import evidence, merkle, services, signing
from shuyu.ledger.models import Checkpoint, LedgerEntry, LedgerNode

SYSTEM = Actor.system("ledger-test")


def _fill(n: int, kind: str = "test.thing") -> None:
    with transaction.atomic():
        ledger.append_many(SYSTEM, [("test.thing.made", (kind, i % 7), {"i": i}) for i in range(n)])


def _leaves() -> list[bytes]:
    return [bytes.fromhex(h) for h in LedgerEntry.objects.order_by("seq").values_list("leaf_hash", flat=True)]


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as c:
        c.execute(statement, params)


# --- appending --------------------------------------------------------------------------------------
def test_r22_1_append_records_person_organization_and_hashed_label(make_actor):
    actor = make_actor("implementing_agency")
    before = ledger.size()
    with transaction.atomic():
        entry = ledger.append(actor, "test.thing.made", ("test.thing", 1), {"n": 1})
    assert ledger.size() == before + 1 and entry.seq == before
    assert (entry.actor_person_id, entry.actor_org_id) == (actor.person_id, actor.org_id)
    assert entry.actor_label.startswith("h:") and actor.name not in entry.payload
    assert entry.actor_roles == "implementing_agency"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_r18_1_append_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        ledger.append(SYSTEM, "test.thing.made", ("test.thing", 1), {})


def test_r18_1_rolled_back_act_leaves_no_entry(db):
    before = ledger.size()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        ledger.append(SYSTEM, "test.thing.made", ("test.thing", 1), {})
        1 / 0  # noqa: B018 — the act fails after appending
    assert ledger.size() == before and services.verify_store().ok


def test_append_many_gives_consecutive_seqs_and_the_reference_root(db):
    _fill(3)
    with transaction.atomic():
        seqs = ledger.append_many(SYSTEM, [("test.thing.made", ("test.thing", i), None) for i in range(50)])
    assert list(seqs) == list(range(3, 53)) and ledger.size() == 53
    assert services.root_at(53) == merkle.root_of(_leaves())
    assert LedgerNode.objects.count() == 53 - bin(53).count("1")


def test_payload_is_canonical_json(db):
    with transaction.atomic():
        entry = ledger.append(
            SYSTEM, "test.thing.made", ("test.thing", 1), {"b": 1, "a": {"z": "数", "y": None}}
        )
    assert entry.payload == '{"a":{"y":null,"z":"数"},"b":1}'


# --- proofs ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 8, 13, 64, 100])
def test_r18_1_stored_proofs_equal_the_reference_and_verify(db, n):
    _fill(n)
    leaves = _leaves()
    for size in {1, n // 2 or 1, n - 1 or 1, n}:
        root = merkle.root_of(leaves[:size])
        for seq in {0, size // 2, size - 1}:
            p = services.inclusion_proof(seq=seq, tree_size=size)
            assert p.root_hash == root.hex()
            merkle.verify_inclusion(seq, size, leaves[seq], [bytes.fromhex(h) for h in p.hashes], root)
        for old in {1, size // 2 or 1, size}:
            c = services.consistency_proof(old_size=old, tree_size=size)
            merkle.verify_consistency(
                old, size, merkle.root_of(leaves[:old]), root, [bytes.fromhex(h) for h in c.hashes]
            )


def test_r18_1_proof_outside_the_tree_is_refused(db):
    _fill(4)
    for kwargs in ({"seq": 4}, {"seq": 0, "tree_size": 5}, {"seq": -1}):
        with pytest.raises(DomainError) as err:
            services.inclusion_proof(**kwargs)
        assert err.value.requirement == "R18.1"
    with pytest.raises(DomainError):
        services.consistency_proof(old_size=0, tree_size=4)


# --- checkpoints ----------------------------------------------------------------------------------
def test_r18_1_checkpoint_key_is_created_private_on_first_use(db, ledger_key):
    _fill(5)
    cp = services.sign_checkpoint(SYSTEM)
    assert stat.S_IMODE(os.stat(ledger_key).st_mode) == 0o600
    assert cp.tree_size == 5 and cp.root_hash == merkle.root_of(_leaves()).hex()
    assert cp.key_fingerprint == signing.fingerprint()
    assert evidence.verify_checkpoint(services.checkpoint_dict(cp), cp.key_fingerprint).hex() == cp.root_hash


def test_r18_1_only_the_permission_holder_signs_checkpoints(admin, auditor):
    assert services.sign_checkpoint(admin).tree_size == ledger.size()
    with pytest.raises(PermissionDenied):
        services.sign_checkpoint(auditor)


def test_r18_1_checkpoint_signed_with_another_key_is_rejected(db):
    _fill(2)
    cp = services.checkpoint_dict(services.sign_checkpoint(SYSTEM))
    other = "00" * 32
    with pytest.raises(evidence.InvalidEvidence):
        evidence.verify_checkpoint(cp, trusted_key=other)
    forged = {**cp, "tree_size": 3}
    with pytest.raises(evidence.InvalidEvidence):
        evidence.verify_checkpoint(forged)


# --- evidence bundles -----------------------------------------------------------------------------
@pytest.fixture
def bundle(auditor):
    _fill(20)
    with transaction.atomic():
        ledger.append(SYSTEM, "authorization.agreement.signed", ("authorization.agreement", 42), {"term": 5})
    _fill(9)
    return services.export_evidence(auditor, subject_kind="authorization.agreement", subject_id="42")


def test_r18_1_exported_bundle_verifies_and_records_the_export(bundle):
    report = evidence.verify_bundle(json.loads(json.dumps(bundle)), trusted_key=signing.fingerprint())
    assert report.entries == 2 and report.subject == "authorization.agreement/42"
    assert [e["action"] for e in bundle["entries"]] == [
        "authorization.agreement.signed",
        "ledger.evidence.exported",
    ]
    assert services.verify_store().ok


def _forged(bundle, change):
    b = copy.deepcopy(bundle)
    change(b)
    return b


def _flip_hex(h: str) -> str:
    return ("1" if h[0] == "0" else "0") + h[1:]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda b: b["entries"][0].update(payload='{"term":50}'), id="changed-payload"),
        pytest.param(
            lambda b: b["entries"][0].update(
                payload='{"term":50}', payload_hash=evidence.sha256_hex('{"term":50}')
            ),
            id="changed-payload-and-hash",
        ),
        pytest.param(
            lambda b: b["entries"][0].update(action="authorization.agreement.terminated"), id="action"
        ),
        pytest.param(lambda b: b["entries"][0].update(seq=b["entries"][0]["seq"] + 1), id="seq"),
        pytest.param(lambda b: b["entries"][0]["inclusion_proof"].pop(), id="truncated-proof"),
        pytest.param(
            lambda b: b["entries"][0]["inclusion_proof"].__setitem__(
                0, _flip_hex(b["entries"][0]["inclusion_proof"][0])
            ),
            id="flipped-proof",
        ),
        pytest.param(
            lambda b: b["checkpoint"].update(root_hash=_flip_hex(b["checkpoint"]["root_hash"])), id="root"
        ),
        pytest.param(lambda b: b["checkpoint"].update(tree_size=b["checkpoint"]["tree_size"] + 1), id="size"),
        pytest.param(lambda b: b["checkpoint"].update(public_key="11" * 32), id="swapped-key"),
        pytest.param(
            lambda b: b["checkpoint"].update(signature=base64.b64encode(b"x" * 64).decode()), id="sig"
        ),
        pytest.param(lambda b: b.update(entries=[]), id="no-entries"),
        pytest.param(lambda b: b["subject"].update(id="43"), id="other-subject"),
        pytest.param(lambda b: b.update(format="something-else"), id="format"),
    ],
)
def test_r18_1_forged_bundle_is_rejected(bundle, change):
    with pytest.raises(evidence.InvalidEvidence):
        evidence.verify_bundle(_forged(bundle, change))


def test_r18_1_bundle_resigned_with_another_key_is_rejected_when_the_key_is_pinned(bundle, ledger_key):
    pinned = signing.fingerprint()
    ledger_key.unlink()  # a forger with their own key re-signs a doctored tree head
    services.sign_checkpoint(SYSTEM)
    forged = _forged(
        bundle, lambda b: b.update(checkpoint=services.checkpoint_dict(Checkpoint.objects.first()))
    )
    forged["checkpoint"]["tree_size"] = bundle["checkpoint"]["tree_size"]
    with pytest.raises(evidence.InvalidEvidence):
        evidence.verify_bundle(forged, trusted_key=pinned)


def test_r22_1_export_without_permission_is_refused_and_ledger_unchanged(make_actor):
    _fill(3)
    operator = make_actor("operator")
    before = ledger.size()
    with pytest.raises(PermissionDenied):
        services.export_evidence(operator, subject_kind="test.thing", subject_id="1")
    assert ledger.size() == before


def test_export_of_unknown_subject_is_not_found(auditor):
    with pytest.raises(NotFound):
        services.export_evidence(auditor, subject_kind="authorization.agreement", subject_id="999")


# --- whole-store verification: tampering behind the ledger's back ---------------------------------
@pytest.fixture
def signed_store(db):
    _fill(40)
    services.sign_checkpoint(SYSTEM)
    _fill(5)
    return services.verify_store()


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def test_r18_1_untouched_store_verifies(signed_store):
    assert signed_store.ok and signed_store.size == 45 and signed_store.checkpoints == 1


def test_r18_1_edited_payload_is_found_with_its_seq(signed_store):
    _sql(f"UPDATE {_table(LedgerEntry)} SET payload = %s WHERE seq = 17", ['{"i":99}'])
    report = services.verify_store()
    assert not report.ok and report.first_bad_seq == 17


def test_r18_1_edited_row_with_recomputed_payload_hash_is_found(signed_store):
    body = '{"i":99}'
    _sql(f"UPDATE {_table(LedgerEntry)} SET payload = %s, payload_hash = %s WHERE seq = 23",
         [body, evidence.sha256_hex(body)])  # fmt: skip
    assert services.verify_store().first_bad_seq == 23


def test_r18_1_edited_action_is_found(signed_store):
    _sql(f"UPDATE {_table(LedgerEntry)} SET action = 'test.thing.unmade' WHERE seq = 3")
    assert services.verify_store().first_bad_seq == 3


def test_r18_1_fully_recomputed_edit_is_caught_by_the_tree_nodes(signed_store):
    _rewrite_entry(12, '{"i":99}')
    report = services.verify_store()
    assert not report.ok and report.first_bad_seq == 12


def test_r18_1_recomputed_edit_with_rebuilt_tree_is_caught_by_the_signed_checkpoint(signed_store):
    _rewrite_entry(12, '{"i":99}')
    _rebuild_nodes()
    report = services.verify_store()
    assert not report.ok and report.first_bad_seq == 0 and "checkpoint" in report.en


def test_r18_1_deleted_row_is_found(signed_store):
    _sql(f"DELETE FROM {_table(LedgerEntry)} WHERE seq = 30")
    report = services.verify_store()
    assert not report.ok and report.first_bad_seq == 30


def test_r18_1_deleted_last_row_is_found(signed_store):
    _sql(f"DELETE FROM {_table(LedgerEntry)} WHERE seq = 44")
    assert services.verify_store().first_bad_seq == 44


def test_r18_1_reordered_rows_are_found(signed_store):
    t = _table(LedgerEntry)
    _sql(f"UPDATE {t} SET seq = 1000000 WHERE seq = 8")  # swap 8 and 9 through a free number
    _sql(f"UPDATE {t} SET seq = 8 WHERE seq = 9")
    _sql(f"UPDATE {t} SET seq = 9 WHERE seq = 1000000")
    report = services.verify_store()
    assert not report.ok and report.first_bad_seq == 8


def _rewrite_entry(seq: int, body: str) -> None:
    """What an administrator with SQL access would do: change a row and recompute its hashes."""
    e = LedgerEntry.objects.get(seq=seq)
    fields = evidence.EntryFields(
        e.seq, evidence.format_time(e.recorded_at), e.actor_person_id, e.actor_org_id, e.actor_label,
        tuple(r for r in e.actor_roles.split(",") if r), e.action, e.subject_kind, e.subject_id,
        evidence.sha256_hex(body),
    )  # fmt: skip
    _sql(f"UPDATE {_table(LedgerEntry)} SET payload = %s, payload_hash = %s, leaf_hash = %s WHERE seq = %s",
         [body, fields.payload_hash, fields.leaf_hash().hex(), seq])  # fmt: skip


def _rebuild_nodes() -> None:
    from shuyu.ledger.models import LedgerHead

    frontier: list[bytes] = []
    _sql(f"DELETE FROM {_table(LedgerNode)}")
    for i, leaf in enumerate(_leaves()):
        for level, index, h in merkle.push_leaf(frontier, i, leaf):
            _sql(f"INSERT INTO {_table(LedgerNode)} ({connection.ops.quote_name('key')}, hash) VALUES (%s, %s)",
                 [LedgerNode.key_of(level, index), h.hex()])  # fmt: skip
    LedgerHead.objects.filter(id=1).update(
        frontier="".join(h.hex() for h in frontier), root_hash=merkle.frontier_root(frontier).hex()
    )


def test_r18_1_no_checkpoint_is_signed_over_a_rewritten_tree(signed_store):
    _rewrite_entry(12, '{"i":99}')
    _rebuild_nodes()
    before = Checkpoint.objects.count()
    with pytest.raises(services.LedgerIntegrityError):
        services.sign_checkpoint(SYSTEM)
    assert Checkpoint.objects.count() == before


def test_r18_1_no_checkpoint_is_signed_over_an_edited_head(signed_store):
    from shuyu.ledger.models import LedgerHead

    LedgerHead.objects.filter(id=1).update(root_hash="00" * 32)
    with pytest.raises(services.LedgerIntegrityError):
        services.sign_checkpoint(SYSTEM)
