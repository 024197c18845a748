"""Periodic sweeps (定时任务): what the rules' deadlines need without anyone pressing a button.

- agreements past their end date expire (第十六条 期限, R16.2) — `authorization.expire_agreements`;
- registrations not renewed lapse (N-REG.17) — `catalog.expire_registrations`;
- jobs a dead worker left running fail (R18.1 可控) — `sandbox.fail_stale_jobs`;
- outputs stuck in review past their deadline raise one alert each (R19.2) — `sandbox.review`;
- the ledger's head is signed when it grew (R18.1 可取证): a published checkpoint at least every period.

Every sweep is idempotent and safe to run from several workers at once (each locks what it changes), so
`shuyu worker` runs them every `period` and `shuyu sweep` runs them once (for cron). Each runs as a
system actor and records its own acts in the ledger; a failing sweep is reported and does not stop the
others.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from shuyu.core import clock
from shuyu.core.actors import Actor

log = logging.getLogger(__name__)

SWEEPER = Actor.system("deadline-sweeper")
DEFAULT_PERIOD = dt.timedelta(minutes=10)


@dataclass
class SweepReport:
    """What one round did: counts per sweep, and the sweeps that failed (by name, never a message)."""

    counts: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)


def _expire_agreements() -> int:
    from shuyu.authorization.services import expire_agreements

    return len(expire_agreements(SWEEPER))


def _expire_registrations() -> int:
    from shuyu.catalog.services.registration import expire_registrations

    return expire_registrations(SWEEPER)


def _fail_stale_jobs() -> int:
    from shuyu.sandbox.services import fail_stale_jobs

    return fail_stale_jobs()


def _stuck_reviews() -> int:
    from shuyu.sandbox.review import alert_stuck_reviews

    return alert_stuck_reviews()


def _checkpoint() -> int:
    from shuyu import ledger
    from shuyu.ledger.selectors import latest_checkpoint
    from shuyu.ledger.services import sign_checkpoint

    latest = latest_checkpoint()
    if ledger.size() == 0 or (latest is not None and latest.tree_size >= ledger.size()):
        return 0
    sign_checkpoint(SWEEPER)
    return 1


SWEEPS: tuple[tuple[str, Callable[[], int]], ...] = (
    ("expire_agreements", _expire_agreements),
    ("expire_registrations", _expire_registrations),
    ("fail_stale_jobs", _fail_stale_jobs),
    ("stuck_reviews", _stuck_reviews),
    ("checkpoint", _checkpoint),  # last: it signs what the others recorded
)


def run_once() -> SweepReport:
    report = SweepReport()
    for name, sweep in SWEEPS:
        try:
            report.counts[name] = sweep()
        except Exception:  # noqa: BLE001 — one failing sweep must not stop the others; no text is kept
            log.exception("sweep %s failed", name)
            report.failed.append(name)
    return report


class Schedule:
    """When a worker runs the next round: at start, then every `period` (per process, in memory)."""

    def __init__(self, period: dt.timedelta = DEFAULT_PERIOD) -> None:
        self.period = period
        self.next_at: dt.datetime | None = None

    def due(self) -> bool:
        return self.next_at is None or clock.now() >= self.next_at

    def run_if_due(self) -> SweepReport | None:
        if not self.due():
            return None
        self.next_at = clock.now() + self.period
        return run_once()
