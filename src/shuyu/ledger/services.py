"""Appending to the ledger. Called inside the transaction of the act it records (a rolled-back act
leaves no entry; a committed act always has one)."""

import datetime as dt
import decimal
import enum
import hashlib
import json
import uuid

from django.db import models, transaction

from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.pii import pii_hash

from .models import LedgerEntry, LedgerHead


def _default(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"not JSON-serializable in a ledger payload: {type(value).__name__}")


def canonical_json(payload: dict) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: the same payload always gives the same bytes."""
    return json.dumps(payload, default=_default, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def subject_of(subject) -> tuple[str, str]:
    if isinstance(subject, models.Model):
        return f"{subject._meta.app_label}.{subject._meta.model_name}", str(subject.pk)
    kind, ident = subject
    return str(kind), str(ident)


def actor_label(actor: Actor) -> str:
    if actor.is_system:
        return f"system:{actor.system_name}"
    if actor.person_id is None:
        return "public"
    return pii_hash(f"person:{actor.person_id}")


def append(actor: Actor, action: str, subject, payload: dict | None = None) -> LedgerEntry:
    """Append one entry for `actor` doing `action` on `subject` (a model instance or (kind, id))."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger.append must run inside the transaction of the act it records")
    kind, ident = subject_of(subject)
    body = canonical_json(payload or {})
    head, _ = LedgerHead.objects.select_for_update().get_or_create(id=1)
    seq = head.size
    recorded_at = clock.now()
    payload_hash = hashlib.sha256(body.encode()).hexdigest()
    leaf = canonical_json(
        {
            "seq": seq,
            "at": recorded_at,
            "person": actor.person_id,
            "org": actor.org_id,
            "actor": actor_label(actor),
            "action": action,
            "subject": [kind, ident],
            "payload_hash": payload_hash,
        }
    )
    # RFC 9162 leaf hash: SHA-256(0x00 || leaf)
    leaf_hash = hashlib.sha256(b"\x00" + leaf.encode()).hexdigest()
    entry = LedgerEntry.objects.create(
        seq=seq,
        recorded_at=recorded_at,
        actor_person_id=actor.person_id,
        actor_org_id=actor.org_id,
        actor_label=actor_label(actor),
        actor_roles=",".join(sorted(actor.roles)),
        action=action,
        subject_kind=kind,
        subject_id=ident,
        payload=body,
        payload_hash=payload_hash,
        leaf_hash=leaf_hash,
    )
    LedgerHead.objects.filter(id=1).update(size=seq + 1)
    return entry


def size() -> int:
    return LedgerEntry.objects.count()


def entries_for(kind: str, ident) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(subject_kind=kind, subject_id=str(ident)).order_by("seq"))
