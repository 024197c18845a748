"""Read queries. Checkpoints and proofs are public (R18.1: outsiders must be able to hold them); entries
are for those holding `Perm.LEDGER_ENTRY_VIEW` (auditors, N-OPN.2)."""

from dataclasses import dataclass

from shuyu.core.actors import Actor
from shuyu.core.permissions import Perm, authorize

from . import evidence, services
from .models import Checkpoint, LedgerEntry

MAX_PAGE = 500


@dataclass(frozen=True)
class CheckpointView:
    """A signed tree head as shown on the disclosure page and returned by the API."""

    tree_size: int
    root_hash: str
    signed_at: object  # aware datetime
    signed_at_text: str  # the exact signed spelling (UTC)
    origin: str
    public_key: str
    key_fingerprint: str
    signature: str

    @property
    def short_fingerprint(self) -> str:
        return ":".join(self.key_fingerprint[i : i + 4] for i in range(0, 16, 4))


def _view(cp: Checkpoint) -> CheckpointView:
    d = services.checkpoint_dict(cp)
    return CheckpointView(
        tree_size=cp.tree_size,
        root_hash=cp.root_hash,
        signed_at=cp.signed_at,
        signed_at_text=d["signed_at"],
        origin=cp.origin,
        public_key=cp.public_key,
        key_fingerprint=cp.key_fingerprint,
        signature=cp.signature,
    )


def latest_checkpoint() -> CheckpointView | None:
    cp = Checkpoint.objects.order_by("-tree_size", "-signed_at").first()
    return _view(cp) if cp else None


def recent_checkpoints(limit: int = 20) -> list[CheckpointView]:
    return [_view(cp) for cp in Checkpoint.objects.order_by("-tree_size", "-signed_at")[:limit]]


def entries_visible_to(
    actor: Actor,
    *,
    subject_kind: str | None = None,
    subject_id: str | None = None,
    action: str | None = None,
    after_seq: int = -1,
    limit: int = 100,
) -> list[LedgerEntry]:
    """Entries for auditors, in seq order, filtered in the query (never after fetching)."""
    authorize(actor, Perm.LEDGER_ENTRY_VIEW)
    qs = LedgerEntry.objects.filter(seq__gt=after_seq)
    if subject_kind:
        qs = qs.filter(subject_kind=subject_kind)
    if subject_id is not None:
        qs = qs.filter(subject_id=subject_id)
    if action:
        qs = qs.filter(action=action)
    return list(qs.order_by("seq")[: max(1, min(limit, MAX_PAGE))])


@dataclass(frozen=True)
class PublishedKey:
    hex: str
    fingerprint: str
    pem: str


def published_key() -> PublishedKey | None:
    """The key of the latest checkpoint (never creates one: a page view must not mint keys)."""
    cp = Checkpoint.objects.order_by("-tree_size", "-signed_at").first()
    if cp is None:
        return None
    return PublishedKey(
        cp.public_key, cp.key_fingerprint, evidence.public_key_pem(bytes.fromhex(cp.public_key))
    )
