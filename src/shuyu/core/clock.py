"""The one clock. Services ask it for the time; tests freeze it. Never call datetime.now() elsewhere."""

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Aware UTC now (or the frozen instant)."""
    return _frozen if _frozen is not None else dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's date in Asia/Shanghai: deadlines are counted in China's calendar (N-CAL.2)."""
    return now().astimezone(SHANGHAI).date()


def local_date(instant: dt.datetime) -> dt.date:
    return instant.astimezone(SHANGHAI).date()


@contextlib.contextmanager
def frozen(at: dt.datetime | dt.date):
    """Freeze the clock (tests, and replaying past events in the demo). A date means 10:00 Shanghai time."""
    global _frozen
    if isinstance(at, dt.date) and not isinstance(at, dt.datetime):
        at = dt.datetime.combine(at, dt.time(10, 0), SHANGHAI)
    previous, _frozen = _frozen, at.astimezone(dt.UTC)
    try:
        yield _frozen
    finally:
        _frozen = previous
