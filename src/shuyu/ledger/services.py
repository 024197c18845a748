"""Appending to the ledger, signing its head, proving and exporting entries, and verifying the store.

`append`/`append_many` run inside the transaction of the act they record, so a rolled-back act leaves no
entry and a committed act always has one (R18.1, R22.1). Every append locks the single `LedgerHead` row
(SELECT … FOR UPDATE on PostgreSQL; on SQLite the IMMEDIATE transaction already holds the write lock), so
concurrent writers get one gap-free sequence.
"""

import base64
import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models, transaction

from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError, NotFound
from shuyu.core.permissions import Perm, authorize
from shuyu.core.pii import pii_hash

from . import evidence, merkle, signing
from .evidence import EntryFields, canonical_json, format_time, sha256_hex
from .models import Checkpoint, LedgerEntry, LedgerHead, LedgerNode

__all__ = ["append", "append_many", "canonical_json", "size"]

_ENTRY_COLUMNS = [
    "seq",
    "recorded_at",
    "actor_person_id",
    "actor_org_id",
    "actor_label",
    "actor_roles",
    "action",
    "subject_kind",
    "subject_id",
    "payload",
    "payload_hash",
    "leaf_hash",
]


def subject_of(subject) -> tuple[str, str]:
    """`(kind, id)` of a model instance ("authorization.agreement", "42") or of a `(kind, id)` pair."""
    if isinstance(subject, models.Model):
        kind, ident = f"{subject._meta.app_label}.{subject._meta.model_name}", str(subject.pk)
    else:
        kind, ident = subject
        kind, ident = str(kind), str(ident)
    if not kind or len(kind) > 60 or len(ident) > 64:
        raise ValueError(f"ledger subject too long or empty: {kind!r}/{ident!r}")
    return kind, ident


def actor_label(actor: Actor) -> str:
    if actor.is_system:
        return f"system:{actor.system_name}"
    if actor.person_id is None:
        return "public"
    return pii_hash(f"person:{actor.person_id}")


def _roles(actor: Actor) -> tuple[str, ...]:
    return tuple(sorted(r.value if isinstance(r, enum.Enum) else str(r) for r in actor.roles))


# --- appending ------------------------------------------------------------------------------------
def _locked_head() -> LedgerHead:
    try:
        return LedgerHead.objects.select_for_update().get(id=1)
    except LedgerHead.DoesNotExist:
        # First append ever (or after a test flush): create the row without racing another creator.
        LedgerHead.objects.bulk_create([LedgerHead(id=1)], ignore_conflicts=True)
        return LedgerHead.objects.select_for_update().get(id=1)


def _locked_head_raw(connection) -> tuple[int, str]:
    """`(size, frontier)` of the head, locked: the hot path of every append, so plain SQL."""
    qn = connection.ops.quote_name
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = f"SELECT {qn('size')}, {qn('frontier')} FROM {qn(LedgerHead._meta.db_table)} WHERE {qn('id')} = 1{lock}"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    if row is None:
        head = _locked_head()
        return head.size, head.frontier
    return row


def _frontier(head: LedgerHead | str) -> list[bytes]:
    text = head if isinstance(head, str) else head.frontier
    return [bytes.fromhex(text[i : i + 64]) for i in range(0, len(text), 64)]


def _append(
    actor: Actor, items: Iterable[tuple[str, object, dict | None]]
) -> tuple[range, list[tuple], dt.datetime]:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("ledger.append must run inside the transaction of the act it records")
    first, frontier_text = _locked_head_raw(connection)
    size, frontier = first, _frontier(frontier_text)
    at = clock.now()  # one time for one call: the acts of one transaction happen together
    at_text, at_db = format_time(at), connection.ops.adapt_datetimefield_value(at)
    label, roles = actor_label(actor), _roles(actor)
    roles_text, person, org = ",".join(roles), actor.person_id, actor.org_id
    entry_rows, node_rows = [], []
    for action, subject, payload in items:
        kind, ident = subject_of(subject)
        body = canonical_json(payload or {})
        fields = EntryFields(size, at_text, person, org, label, roles, action, kind, ident, sha256_hex(body))
        leaf = fields.leaf_hash()
        entry_rows.append(
            (size, at_db, person, org, label, roles_text, action, kind, ident, body, fields.payload_hash, leaf.hex())
        )  # fmt: skip
        for level, index, h in merkle.push_leaf(frontier, size, leaf):
            node_rows.append((LedgerNode.key_of(level, index), h.hex()))
        size += 1
    if size > first:
        _insert(connection, entry_rows, node_rows)
        _advance_head(connection, size, frontier)
    return range(first, size), entry_rows, at


def _advance_head(connection, size: int, frontier: list[bytes]) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(LedgerHead._meta.db_table)} SET {qn('size')} = %s, {qn('frontier')} = %s, "
            f"{qn('root_hash')} = %s WHERE {qn('id')} = 1",
            [size, "".join(h.hex() for h in frontier), merkle.frontier_root(frontier).hex()],
        )


COPY_THRESHOLD = 64  # rows; below it a plain INSERT is as quick as COPY on PostgreSQL


def _insert(connection, entry_rows: list[tuple], node_rows: list[tuple]) -> None:
    # Plain SQL: the ORM's per-object overhead would cap batched appends far below 20,000/s. Large
    # batches on PostgreSQL go through COPY, the only bulk path there that keeps up.
    qn = connection.ops.quote_name
    tables = [
        (qn(LedgerEntry._meta.db_table), [qn(c) for c in _ENTRY_COLUMNS], entry_rows),
        (qn(LedgerNode._meta.db_table), [qn("key"), qn("hash")], node_rows),
    ]
    with connection.cursor() as cursor:
        for table, columns, rows in tables:
            if not rows:
                continue
            if connection.vendor == "postgresql" and len(rows) >= COPY_THRESHOLD:
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows
                )


def append(actor: Actor, action: str, subject, payload: dict | None = None) -> LedgerEntry:
    """Append one entry for `actor` doing `action` ("<app>.<noun>.<past-verb>") on `subject` (a model
    instance or `(kind, id)`). Personal identifiers in `payload` must already be `pii_hash`ed."""
    _, (row,), at = _append(actor, [(action, subject, payload)])
    entry = LedgerEntry(**dict(zip(_ENTRY_COLUMNS, row, strict=True)))
    entry.recorded_at = at  # the row holds the database's spelling of it
    entry._state.adding, entry._state.db = False, "default"
    return entry


def append_many(actor: Actor, items: Iterable[tuple[str, object, dict | None]]) -> range:
    """Append `(action, subject, payload)` items for one actor under one lock; returns their seqs."""
    return _append(actor, items)[0]


def size() -> int:
    return LedgerHead.objects.filter(id=1).values_list("size", flat=True).first() or 0


def entries_for(kind: str, ident) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(subject_kind=kind, subject_id=str(ident)).order_by("seq"))


# --- tree heads and proofs ------------------------------------------------------------------------
@dataclass(frozen=True)
class Proof:
    """An RFC 9162 inclusion or consistency proof with the tree head(s) it leads to."""

    kind: str  # "inclusion" | "consistency"
    tree_size: int
    root_hash: str
    hashes: list[str]
    leaf_index: int | None = None
    leaf_hash: str | None = None
    old_size: int | None = None
    old_root_hash: str | None = None


def _out_of_range(zh: str, en: str, **ctx) -> DomainError:
    return DomainError("R18.1", zh, en, **ctx)


def _hashes(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Perfect subtree hashes in one indexed query, whatever the tree size: O(log n) proofs."""
    connection = transaction.get_connection()
    qn = connection.ops.quote_name
    leaves = [index for level, index in pairs if level == 0]
    inner = {LedgerNode.key_of(level, index): (level, index) for level, index in pairs if level}
    parts, params = [], []
    if leaves:
        parts.append(
            f"SELECT 0, {qn('seq')}, {qn('leaf_hash')} FROM {qn(LedgerEntry._meta.db_table)} "
            f"WHERE {qn('seq')} IN ({', '.join(['%s'] * len(leaves))})"
        )
        params += leaves
    if inner:
        parts.append(
            f"SELECT 1, {qn('key')}, {qn('hash')} FROM {qn(LedgerNode._meta.db_table)} "
            f"WHERE {qn('key')} IN ({', '.join(['%s'] * len(inner))})"
        )
        params += list(inner)
    if not parts:  # nothing asked (e.g. a checkpoint of an unchanged tree): no query at all
        return {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    return {((0, k) if inner_flag == 0 else inner[k]): bytes.fromhex(h) for inner_flag, k, h in rows}


def _range_hashes(ranges: list[tuple[int, int]]) -> list[bytes]:
    """Tree hashes of `ranges`; a range beyond the ledger is refused (R18.1), a hole in it is our bug."""
    wanted = {lo_hi: merkle.perfect_nodes(*lo_hi) for lo_hi in ranges}
    pairs = sorted({p for parts in wanted.values() for p in parts})
    found = _hashes(pairs)
    if len(found) != len(pairs):
        end, current = max(hi for _, hi in ranges), size()
        if end > current:
            raise _out_of_range(
                "树大小超出账本范围", "tree size outside the ledger", tree_size=end, size=current
            )
        missing = sorted(set(pairs) - set(found))
        raise RuntimeError(f"ledger store is missing tree nodes {missing}; run `shuyu ledger verify`")
    return [merkle.fold([found[p] for p in wanted[r]]) for r in ranges]


def root_at(tree_size: int) -> bytes:
    if tree_size == 0:
        return merkle.EMPTY_ROOT
    return _range_hashes([(0, tree_size)])[0]


def _check_size(tree_size: int) -> None:
    if tree_size <= 0:
        raise _out_of_range("树大小须为正数", "tree size must be positive", tree_size=tree_size)


def inclusion_proof(*, seq: int, tree_size: int | None = None) -> Proof:
    tree_size = size() if tree_size is None else tree_size
    _check_size(tree_size)
    if not 0 <= seq < tree_size:
        raise _out_of_range("序号不在该树中", "entry is not in a tree of that size", seq=seq)
    ranges = merkle.inclusion_ranges(seq, tree_size)
    hashes = _range_hashes([*ranges, (0, tree_size), (seq, seq + 1)])
    return Proof(
        kind="inclusion",
        tree_size=tree_size,
        root_hash=hashes[-2].hex(),
        hashes=[h.hex() for h in hashes[:-2]],
        leaf_index=seq,
        leaf_hash=hashes[-1].hex(),
    )


def consistency_proof(*, old_size: int, tree_size: int | None = None) -> Proof:
    tree_size = size() if tree_size is None else tree_size
    _check_size(tree_size)
    if not 0 < old_size <= tree_size:
        raise _out_of_range("旧树大小须在1与新树大小之间", "old size must be between 1 and the new size")
    ranges = merkle.consistency_ranges(old_size, tree_size)
    hashes = _range_hashes([*ranges, (0, old_size), (0, tree_size)])
    return Proof(
        kind="consistency",
        tree_size=tree_size,
        root_hash=hashes[-1].hex(),
        hashes=[h.hex() for h in hashes[:-2]],
        old_size=old_size,
        old_root_hash=hashes[-2].hex(),
    )


# --- checkpoints ----------------------------------------------------------------------------------
def checkpoint_dict(cp: Checkpoint) -> dict:
    """A checkpoint as published (API, bundles): everything an outsider needs to check its signature."""
    return {
        "origin": cp.origin,
        "tree_size": cp.tree_size,
        "root_hash": cp.root_hash,
        "signed_at": format_time(cp.signed_at),
        "public_key": cp.public_key,
        "key_fingerprint": cp.key_fingerprint,
        "signature": cp.signature,
    }


class LedgerIntegrityError(RuntimeError):
    """The stored tree does not extend the last signed checkpoint: someone edited the store. Nothing is
    signed until `shuyu ledger verify` has been run and the cause found."""


def _sign(actor: Actor) -> Checkpoint:
    head = _locked_head()  # the size and root signed are those of committed appends, never half of one
    key = signing.signing_key()
    public = signing.public_key_bytes(key)
    fingerprint = evidence.key_fingerprint(public)
    root = _checked_root(head, fingerprint)
    at = clock.now()
    note = evidence.checkpoint_note(head.size, root, format_time(at))
    return Checkpoint.objects.create(
        tree_size=head.size,
        root_hash=root.hex(),
        signed_at=at,
        origin=evidence.ORIGIN,
        public_key=public.hex(),
        key_fingerprint=fingerprint,
        signature=base64.b64encode(key.sign(note)).decode(),
        signed_by=actor_label(actor),
    )


def _checked_root(head: LedgerHead, fingerprint: str) -> bytes:
    """The root to sign, recomputed from the stored tree and proven to extend our last checkpoint: the
    platform never signs a head that an administrator has rewritten behind the ledger's back."""
    root = root_at(head.size)
    if head.size and root.hex() != head.root_hash:
        raise LedgerIntegrityError("ledger head does not match the stored tree; run `shuyu ledger verify`")
    last = Checkpoint.objects.filter(key_fingerprint=fingerprint).order_by("-tree_size").first()
    if last is None or last.tree_size == 0:
        return root
    try:
        if last.tree_size > head.size:
            raise merkle.InvalidProof("the ledger is smaller than its last checkpoint")
        hashes = _range_hashes(merkle.consistency_ranges(last.tree_size, head.size))
        merkle.verify_consistency(last.tree_size, head.size, bytes.fromhex(last.root_hash), root, hashes)
    except (merkle.InvalidProof, RuntimeError) as e:
        raise LedgerIntegrityError(
            f"the stored tree does not extend the checkpoint at size {last.tree_size} ({e}); "
            "run `shuyu ledger verify`"
        ) from None
    return root


@transaction.atomic
def sign_checkpoint(actor: Actor) -> Checkpoint:
    """Sign the current tree head (R18.1 可取证). Scheduled signing runs as a system actor; whoever can
    run it on the host can read the key anyway."""
    if not actor.is_system:
        authorize(actor, Perm.LEDGER_CHECKPOINT_SIGN)
    return _sign(actor)


# --- evidence bundles -----------------------------------------------------------------------------
def parse_subject(text: str) -> tuple[str, str]:
    """ "authorization.agreement/42" → ("authorization.agreement", "42")."""
    kind, sep, ident = text.rpartition("/")
    if not sep or not kind or not ident:
        raise DomainError("R18.1", "对象须写作 类型/标识，如 authorization.agreement/42",
                          "subject must look like kind/id, e.g. authorization.agreement/42")  # fmt: skip
    return kind, ident


def _entry_dict(e: LedgerEntry, proof: list[str]) -> dict:
    return {
        "seq": e.seq,
        "recorded_at": format_time(e.recorded_at),
        "person": e.actor_person_id,
        "org": e.actor_org_id,
        "actor": e.actor_label,
        "roles": [r for r in e.actor_roles.split(",") if r],
        "action": e.action,
        "subject_kind": e.subject_kind,
        "subject_id": e.subject_id,
        "payload": e.payload,
        "payload_hash": e.payload_hash,
        "leaf_hash": e.leaf_hash,
        "inclusion_proof": proof,
    }


@transaction.atomic
def export_evidence(actor: Actor, *, subject_kind: str, subject_id: str) -> dict:
    """A self-contained evidence bundle (取证包) for one subject: its entries, each with an inclusion
    proof into a freshly signed checkpoint, and the public key. The export is itself recorded."""
    authorize(actor, Perm.LEDGER_EVIDENCE_EXPORT)
    if not LedgerEntry.objects.filter(subject_kind=subject_kind, subject_id=subject_id).exists():
        raise NotFound("ledger subject", subject=f"{subject_kind}/{subject_id}")
    append(actor, "ledger.evidence.exported", (subject_kind, subject_id), {})  # R22.1: who took what
    cp = _sign(actor)
    entries = entries_for(subject_kind, subject_id)
    return {
        "format": evidence.BUNDLE_FORMAT,
        "subject": {"kind": subject_kind, "id": subject_id},
        "checkpoint": checkpoint_dict(cp),
        "entries": [
            _entry_dict(e, inclusion_proof(seq=e.seq, tree_size=cp.tree_size).hashes) for e in entries
        ],
        "how_to_verify": (
            "shuyu ledger verify BUNDLE --public-key <published fingerprint>; "
            "leaf = SHA-256(0x00 || canonical JSON of the entry fields), RFC 9162 inclusion proofs, "
            "Ed25519 signature over the C2SP checkpoint note"
        ),
    }


# --- verifying the whole store --------------------------------------------------------------------
@dataclass(frozen=True)
class StoreReport:
    ok: bool
    size: int
    root_hash: str
    checkpoints: int
    first_bad_seq: int | None = None
    zh: str = ""
    en: str = ""


class _Bad(Exception):
    def __init__(self, seq: int | None, zh: str, en: str):
        super().__init__(en)
        self.seq, self.zh, self.en = seq, zh, en


def verify_store(*, trusted_key: str | None = None, chunk_size: int = 5000) -> StoreReport:
    """Recompute every payload hash, leaf hash, stored tree node, the head and every signed checkpoint;
    report the first entry that does not match (R18.1). Reads only committed rows; appends may go on."""
    head = LedgerHead.objects.filter(id=1).first() or LedgerHead(id=1)
    if trusted_key is None and signing.key_exists():
        trusted_key = signing.fingerprint()
    checkpoints = list(Checkpoint.objects.order_by("tree_size", "signed_at"))
    try:
        root = _verify_rows(head, checkpoints, trusted_key, chunk_size)
    except _Bad as bad:
        return StoreReport(False, head.size, head.root_hash, len(checkpoints), bad.seq, bad.zh, bad.en)
    return StoreReport(True, head.size, root.hex(), len(checkpoints))


def _verify_rows(head: LedgerHead, checkpoints: list[Checkpoint], trusted_key, chunk_size: int) -> bytes:
    n = head.size
    by_size: dict[int, list[Checkpoint]] = {}
    for cp in checkpoints:
        try:
            evidence.verify_checkpoint(checkpoint_dict(cp), trusted_key)
        except evidence.InvalidEvidence as e:
            raise _Bad(
                None, f"检查点（大小 {cp.tree_size}）：{e.zh}", f"checkpoint at size {cp.tree_size}: {e.en}"
            ) from None
        if cp.tree_size > n:
            raise _Bad(n, f"已签名检查点有 {cp.tree_size} 条，账本只有 {n} 条：条目被删除",
                       f"a signed checkpoint covers {cp.tree_size} entries but the ledger has {n}")  # fmt: skip
        by_size.setdefault(cp.tree_size, []).append(cp)
    for cp in by_size.get(0, []):
        if cp.root_hash != merkle.EMPTY_ROOT.hex():
            raise _Bad(None, "空树检查点的根哈希错误", "checkpoint of the empty tree has a wrong root")
    qn = transaction.get_connection().ops.quote_name
    nodes = _stream(
        f"SELECT {qn('key')}, {qn('hash')} FROM {qn(LedgerNode._meta.db_table)} "
        f"WHERE {qn('key')} < %s ORDER BY {qn('key')}",
        [n << 6],
        chunk_size,
    )
    stored = next(nodes, None)
    rows = _stream(
        f"SELECT {', '.join(map(qn, _ENTRY_COLUMNS))} FROM {qn(LedgerEntry._meta.db_table)} "
        f"WHERE {qn('seq')} < %s ORDER BY {qn('seq')}",
        [n],
        chunk_size,
    )
    frontier: list[bytes] = []
    expected = good = 0
    last_at, at_text = None, ""
    for row in rows:
        seq, at, person, org, label, roles, action, kind, ident, payload, payload_hash, leaf_hex = row
        if seq != expected:
            raise _Bad(expected, f"第 {expected} 条缺失", f"entry {expected} is missing")
        if sha256_hex(payload) != payload_hash:
            raise _Bad(seq, f"第 {seq} 条内容与其哈希不符", f"entry {seq}: payload does not match its hash")
        if at != last_at:  # entries of one transaction share their time: format it once
            last_at, at_text = at, _db_time_text(at)
        roles_t = tuple(r for r in roles.split(",") if r)
        fields = EntryFields(seq, at_text, person, org, label, roles_t, action, kind, ident, payload_hash)
        leaf = fields.leaf_hash()
        if leaf.hex() != leaf_hex:
            raise _Bad(
                seq,
                f"第 {seq} 条与其叶子哈希不符（被改动或调换）",
                f"entry {seq}: fields do not match its leaf hash (edited or moved)",
            )
        for level, index, h in merkle.push_leaf(frontier, seq, leaf):
            key, first = LedgerNode.key_of(level, index), index << level
            if stored is None or stored[0] > key:
                raise _Bad(
                    first,
                    f"第 {first}–{seq} 条的树节点缺失",
                    f"tree node over entries {first}–{seq} is missing",
                )
            if stored[0] < key:
                raise _Bad(stored[0] >> 6, "多出未知的树节点", "an unexpected tree node is stored")
            if stored[1] != h.hex():
                raise _Bad(
                    first,
                    f"第 {first}–{seq} 条与已存树节点不符（被改动）",
                    f"entries {first}–{seq} do not match their stored tree node (edited)",
                )
            stored = next(nodes, None)
        expected += 1
        for cp in by_size.get(expected, []):
            if merkle.frontier_root(frontier).hex() != cp.root_hash:
                # Rows and nodes were rewritten consistently; only the signature sees it, so the edit
                # lies after the last checkpoint that still matched.
                raise _Bad(good, f"第 {good}–{expected - 1} 条与已签名检查点不符（被改动）",
                           f"entries {good}–{expected - 1} do not match a signed checkpoint (edited)")  # fmt: skip
            good = expected
    if expected != n:
        raise _Bad(
            expected,
            f"账本头记录 {n} 条，只找到 {expected} 条：条目被删除",
            f"head says {n} entries, found {expected}",
        )
    root = merkle.frontier_root(frontier)
    if "".join(h.hex() for h in frontier) != head.frontier or (n and root.hex() != head.root_hash):
        raise _Bad(
            _first_differing(frontier, head), "账本头与条目不符", "ledger head does not match the entries"
        )
    return root


def _stream(sql: str, params: list, chunk_size: int):
    """Rows of a large query without loading them all (a server-side cursor on PostgreSQL)."""
    with transaction.get_connection().chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            yield from rows


def _db_time_text(raw) -> str:
    """A datetime column read through a raw cursor (SQLite gives naive UTC text) in the signed spelling."""
    if isinstance(raw, str):
        raw = dt.datetime.fromisoformat(raw)
    if raw.tzinfo is None:
        raw = raw.replace(tzinfo=dt.UTC)
    return format_time(raw)


def _first_differing(frontier: list[bytes], head: LedgerHead) -> int:
    """The first leaf under the first right-edge subtree whose hash differs from the head's."""
    sizes = [1 << b for b in range(head.size.bit_length() - 1, -1, -1) if head.size >> b & 1]
    start = 0
    for ours, theirs, width in zip(frontier, _frontier(head), sizes, strict=False):
        if ours != theirs:
            return start
        start += width
    return start
