"""API routes for the ledger (R18.1 可追溯、可取证). Checkpoints, the public key and proofs are public so
that outsiders can hold and check them; entries and evidence bundles need a permission."""

from datetime import datetime

from ninja import Field, Query, Router, Schema, Status

from shuyu.core.errors import NotFound
from shuyu.ledger import selectors, services, signing

from .schemas import ErrorOut

router = Router(tags=["ledger"])


class CheckpointOut(Schema):
    """A signed tree head; the signature is Ed25519 over the note `origin\\nsize\\nbase64(root)\\ntime T\\n`."""

    origin: str
    tree_size: int
    root_hash: str
    signed_at: str
    public_key: str
    key_fingerprint: str
    signature: str


class PublicKeyOut(Schema):
    public_key: str = Field(description="raw Ed25519 public key, hex")
    key_fingerprint: str = Field(description="SHA-256 of the raw public key, hex")
    pem: str


class ProofOut(Schema):
    kind: str
    tree_size: int
    root_hash: str
    hashes: list[str]
    leaf_index: int | None = None
    leaf_hash: str | None = None
    old_size: int | None = None
    old_root_hash: str | None = None


class EntryOut(Schema):
    seq: int
    recorded_at: datetime
    actor_person_id: int | None
    actor_org_id: int | None
    actor_label: str
    actor_roles: str
    action: str
    subject_kind: str
    subject_id: str
    payload: str
    payload_hash: str
    leaf_hash: str


class EntryFilter(Schema):
    subject_kind: str | None = None
    subject_id: str | None = None
    action: str | None = None
    after_seq: int = -1
    limit: int = 100


class EvidenceIn(Schema):
    subject: str = Field(description='"kind/id", e.g. "authorization.agreement/42"')


def _checkpoint_out(view: selectors.CheckpointView) -> dict:
    return {
        "origin": view.origin,
        "tree_size": view.tree_size,
        "root_hash": view.root_hash,
        "signed_at": view.signed_at_text,
        "public_key": view.public_key,
        "key_fingerprint": view.key_fingerprint,
        "signature": view.signature,
    }


@router.get("/checkpoints/latest", response={200: CheckpointOut, 404: ErrorOut}, auth=None)
def latest_checkpoint(request):
    """最新签名检查点（公开）/ the latest signed checkpoint (public)."""
    view = selectors.latest_checkpoint()
    if view is None:
        raise NotFound("checkpoint")
    return _checkpoint_out(view)


@router.get("/checkpoints", response=list[CheckpointOut], auth=None)
def recent_checkpoints(request, limit: int = 20):
    """近期签名检查点（公开）/ recent signed checkpoints (public)."""
    return [_checkpoint_out(v) for v in selectors.recent_checkpoints(max(1, min(limit, 200)))]


@router.post("/checkpoints", response={201: CheckpointOut, 403: ErrorOut})
def sign_checkpoint(request):
    """按需签署检查点 / sign a checkpoint now (Perm.LEDGER_CHECKPOINT_SIGN)."""
    return Status(201, services.checkpoint_dict(services.sign_checkpoint(request.actor)))


@router.get("/public-key", response=PublicKeyOut, auth=None)
def public_key(request):
    """平台签名公钥（公开）/ the platform's checkpoint-signing public key (public)."""
    return {
        "public_key": signing.public_key_bytes().hex(),
        "key_fingerprint": signing.fingerprint(),
        "pem": signing.public_key_pem(),
    }


@router.get("/proofs/inclusion", response={200: ProofOut, 422: ErrorOut}, auth=None)
def inclusion_proof(request, seq: int, tree_size: int | None = None):
    """条目包含证明（RFC 9162）/ inclusion proof of entry `seq` in the tree of `tree_size` (public)."""
    return services.inclusion_proof(seq=seq, tree_size=tree_size)


@router.get("/proofs/consistency", response={200: ProofOut, 422: ErrorOut}, auth=None)
def consistency_proof(request, old_size: int, tree_size: int | None = None):
    """一致性证明（RFC 9162）/ consistency proof from `old_size` to `tree_size` (public)."""
    return services.consistency_proof(old_size=old_size, tree_size=tree_size)


@router.get("/entries", response={200: list[EntryOut], 403: ErrorOut})
def entries(request, filters: Query[EntryFilter]):
    """账本条目（审计）/ ledger entries for auditors (Perm.LEDGER_ENTRY_VIEW), in seq order."""
    return selectors.entries_visible_to(request.actor, **filters.dict())


@router.post("/evidence", response={200: dict, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def export_evidence(request, payload: EvidenceIn):
    """导出取证包（记入账本）/ export an evidence bundle (Perm.LEDGER_EVIDENCE_EXPORT; the export is recorded)."""
    kind, ident = services.parse_subject(payload.subject)
    return services.export_evidence(request.actor, subject_kind=kind, subject_id=ident)
