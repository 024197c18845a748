"""The working-day calendar (工作日, N-CAL.1/2): Chinese public holidays with 调休 make-up days.

Sources in order of precedence: schedules an administrator loaded (the State Council notice as data),
then the `chinesecalendar` package. A date neither knows is an error, never a guess.
"""

import datetime as dt

import chinese_calendar

from .errors import DomainError


def _unknown(day: dt.date) -> DomainError:
    return DomainError(
        "N-CAL.1",
        f"{day.year}年的法定节假日安排尚未载入，无法计算工作日（请管理员载入国务院办公厅通知）",
        f"the holiday schedule for {day.year} is not loaded; an administrator must load it",
        year=day.year,
    )


def _loaded_override(day: dt.date) -> bool | None:
    """True/False when an administrator-loaded schedule decides `day`; None when none covers its year."""
    return None  # completed by the calendar-loading work (core.models.HolidaySchedule)


def is_workday(day: dt.date) -> bool:
    loaded = _loaded_override(day)
    if loaded is not None:
        return loaded
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as e:
        raise _unknown(day) from e


def add_workdays(day: dt.date, n: int) -> dt.date:
    """The n-th working day strictly after `day` (the event day itself is not counted, N-CAL.2)."""
    if n < 1:
        raise ValueError("n must be positive")
    current, counted = day, 0
    while counted < n:
        current += dt.timedelta(days=1)
        if is_workday(current):
            counted += 1
    return current
