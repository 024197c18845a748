"""API routes for core: the working-day calendar (N-CAL.1/2)."""

import datetime as dt

from ninja import Router, Schema, Status

from shuyu.core import calendar
from shuyu.core.errors import DomainError
from shuyu.orgs import services

from .schemas import ErrorOut

router = Router(tags=["core"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class FestivalIn(Schema):
    name: str
    start: str
    end: str
    workdays: list[str] = []


class ScheduleIn(Schema):
    """One year's 国务院办公厅 notice, in the same form as `shuyu calendar load FILE` reads."""

    year: int
    title: str
    document: str = ""
    source_url: str
    festivals: list[FestivalIn]


class ScheduleOut(Schema):
    year: int
    source: str  # loaded | shipped | chinesecalendar | unknown
    title: str
    document: str
    source_url: str
    festivals: list[dict]
    holidays: list[dt.date]
    workdays: list[dt.date]
    working_days: int | None


class WorkdayOut(Schema):
    date: dt.date
    n: int
    deadline: dt.date


def schedule_out(year: int) -> dict:
    """What decides `year` and how (shared with `shuyu calendar show`)."""
    if not calendar.MIN_YEAR <= year <= calendar.MAX_YEAR:
        raise DomainError("N-CAL.1", f"年份{year}超出范围", f"year {year} is out of range")
    schedule = calendar.schedule_for(year)
    cal = calendar.current_calendar()
    source = cal.source_of(year)
    if schedule is None:
        return {
            "year": year,
            "source": source,
            "title": "",
            "document": "",
            "source_url": "",
            "festivals": [],
            "holidays": [],
            "workdays": [],
            "working_days": _count(cal, year) if source != "unknown" else None,
        }
    return {
        "year": year,
        "source": schedule.origin,
        "title": schedule.title,
        "document": schedule.document,
        "source_url": schedule.source_url,
        "festivals": list(schedule.festivals),
        "holidays": sorted(schedule.holidays),
        "workdays": sorted(schedule.workdays),
        "working_days": schedule.working_days(),
    }


def _count(cal: calendar.WorkCalendar, year: int) -> int:
    day, n = dt.date(year, 1, 1), 0
    while day.year == year:
        n += cal.is_workday(day)
        day += dt.timedelta(days=1)
    return n


@router.post("/calendar", response={201: ScheduleOut, **ERRORS})
def load_calendar(request, payload: ScheduleIn):
    """载入某年法定节假日安排（管理员）/ load a year's official holiday schedule (administrator, N-CAL.1)."""
    row = services.load_holiday_schedule(request.actor, data=payload.dict())
    return Status(201, schedule_out(row.year))


@router.get("/calendar/{year}", response={200: ScheduleOut, **ERRORS})
def show_calendar(request, year: int):
    """某年的工作日安排及其来源 / a year's schedule and which source decides it."""
    return schedule_out(year)


@router.get("/workdays", response={200: WorkdayOut, **ERRORS})
def workdays(request, date: dt.date, n: int = 10):
    """第n个工作日（不含当天）/ the n-th working day strictly after `date` (N-CAL.2)."""
    if not 1 <= n <= 366:
        raise DomainError("N-CAL.2", "工作日数应在1到366之间", "n must be between 1 and 366")
    return {"date": date, "n": n, "deadline": calendar.add_workdays(date, n)}
