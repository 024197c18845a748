"""The working-day calendar (工作日, N-CAL.1/2): Chinese public holidays with 调休 make-up days.

Sources in order of precedence, per year:
1. a schedule an administrator loaded (`core.models.HolidaySchedule`: the State Council notice as data);
2. the official schedules shipped in `core/data/holidays_<year>.json` (2025, 2026; NATIONAL.md §7);
3. the `chinesecalendar` package.
A date none of them knows is an error (N-CAL.1), never a guess of Monday–Friday.

`WorkCalendar` is a plain value, so rules can take one and stay pure; `is_workday` / `add_workdays` build it
from the three sources on each call.
"""

import dataclasses
import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import chinese_calendar

from .errors import DomainError

DATA_DIR = Path(__file__).resolve().parent / "data"
MIN_YEAR, MAX_YEAR = 2000, 2200


def _unknown(day: dt.date) -> DomainError:
    return DomainError(
        "N-CAL.1",
        f"{day.year}年的法定节假日安排尚未载入，无法计算工作日（请管理员载入国务院办公厅通知）",
        f"the holiday schedule for {day.year} is not loaded; an administrator must load it",
        year=day.year,
    )


def _invalid(zh: str, en: str, **ctx) -> DomainError:
    return DomainError("N-CAL.1", f"节假日安排文件有误：{zh}", f"invalid holiday schedule: {en}", **ctx)


@dataclasses.dataclass(frozen=True)
class Schedule:
    """One year's notice: a date is a 工作日 if (Mon–Fri and not 放假) or it is a 调休上班 day (N-CAL.1)."""

    year: int
    title: str
    document: str
    source_url: str
    festivals: tuple[dict, ...]
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    origin: str = "loaded"  # "loaded" (administrator), "shipped" (core/data)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def working_days(self) -> int:
        d, n = dt.date(self.year, 1, 1), 0
        while d.year == self.year:
            n += self.is_workday(d)
            d += dt.timedelta(days=1)
        return n

    def as_data(self) -> dict:
        """The file form `parse_schedule` reads (round trip)."""
        return {
            "year": self.year,
            "title": self.title,
            "document": self.document,
            "source_url": self.source_url,
            "festivals": [dict(f) for f in self.festivals],
        }


def _date(value, year: int, where: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        raise _invalid(
            f"{where}的日期“{value}”格式不对（应为YYYY-MM-DD）", f"{where}: bad date {value!r}"
        ) from None
    if day.year != year:
        raise _invalid(
            f"{where}的日期{day}不在{year}年内", f"{where}: {day} is outside {year}", year=year, day=str(day)
        )
    return day


def parse_schedule(data: Mapping, *, origin: str = "loaded") -> Schedule:
    """Validate a schedule document (pure). Raises DomainError("N-CAL.1") naming the first problem.

    The form (one file per year, as the notice reads):
    {"year": 2027, "title": "国务院办公厅关于2027年部分节假日安排的通知", "document": "…", "source_url": "https://…",
     "festivals": [{"name": "春节", "start": "2027-02-05", "end": "2027-02-12", "workdays": ["2027-02-13"]}, …]}
    """
    if not isinstance(data, Mapping):
        raise _invalid("内容应为一个JSON对象", "the document must be a JSON object")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        raise _invalid(f"年份“{year}”无效", f"year {year!r} is not valid")
    title = str(data.get("title") or "").strip()
    if not title:
        raise _invalid("缺少通知名称（title）", "title (the notice's name) is missing")
    source_url = str(data.get("source_url") or "").strip()
    if not re.fullmatch(r"https?://\S+", source_url):
        raise _invalid("缺少来源网址（source_url）", "source_url (http/https) is missing")
    festivals = data.get("festivals")
    if not isinstance(festivals, list) or not festivals:
        raise _invalid("缺少节日安排（festivals）", "festivals are missing")
    holidays: dict[dt.date, str] = {}
    workdays: dict[dt.date, str] = {}
    clean = []
    for i, f in enumerate(festivals, 1):
        if not isinstance(f, Mapping) or not str(f.get("name") or "").strip():
            raise _invalid(f"第{i}项节日缺少名称", f"festival {i} has no name")
        name = str(f["name"]).strip()
        start = _date(f.get("start"), year, f"{name}放假起始")
        end = _date(f.get("end"), year, f"{name}放假结束")
        if end < start:
            raise _invalid(f"{name}的放假结束日早于起始日", f"{name}: end before start")
        day = start
        while day <= end:
            if day in holidays:
                raise _invalid(f"{day}在多个节日中重复放假", f"{day} is a holiday twice", day=str(day))
            holidays[day] = name
            day += dt.timedelta(days=1)
        make_up = f.get("workdays") or []
        if not isinstance(make_up, list):
            raise _invalid(f"{name}的调休上班日应为日期列表", f"{name}: workdays must be a list")
        for value in make_up:
            w = _date(value, year, f"{name}调休上班")
            if w.weekday() < 5:
                raise _invalid(
                    f"{name}的调休上班日{w}不是周末",
                    f"{name}: make-up workday {w} is not on a weekend",
                    day=str(w),
                )
            if w in workdays:
                raise _invalid(f"调休上班日{w}重复", f"make-up workday {w} listed twice", day=str(w))
            workdays[w] = name
        clean.append(
            {
                "name": name,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "workdays": sorted(d.isoformat() for d in workdays if workdays[d] == name),
            }
        )
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise _invalid(
            f"{both[0]}既是放假日又是调休上班日",
            f"{both[0]} is both a holiday and a make-up workday",
            day=str(both[0]),
        )
    return Schedule(
        year=year,
        title=title,
        document=str(data.get("document") or "").strip(),
        source_url=source_url,
        festivals=tuple(clean),
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        origin=origin,
    )


@functools.cache
def shipped_schedule(year: int) -> Schedule | None:
    """The official schedule shipped with shuyu for `year` (core/data/holidays_<year>.json), if any."""
    path = DATA_DIR / f"holidays_{year}.json"
    if not path.exists():
        return None
    return parse_schedule(json.loads(path.read_text(encoding="utf-8")), origin="shipped")


def shipped_years() -> list[int]:
    return sorted(int(p.stem.split("_")[1]) for p in DATA_DIR.glob("holidays_*.json"))


def _package_is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as e:
        raise _unknown(day) from e


@dataclasses.dataclass(frozen=True)
class WorkCalendar:
    """Working days from given schedules (by year); years without one fall back to the package if allowed."""

    schedules: Mapping[int, Schedule] = dataclasses.field(default_factory=dict)
    use_package: bool = True

    def source_of(self, year: int) -> str:
        s = self.schedules.get(year)
        if s is not None:
            return s.origin
        if self.use_package and _package_knows(year):
            return "chinesecalendar"
        return "unknown"

    def is_workday(self, day: dt.date) -> bool:
        s = self.schedules.get(day.year)
        if s is not None:
            return s.is_workday(day)
        if not self.use_package:
            raise _unknown(day)
        return _package_is_workday(day)

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day strictly after `day` (the event day itself is not counted, N-CAL.2)."""
        if n < 1:
            raise ValueError("n must be positive")
        current, counted = day, 0
        while counted < n:
            current += dt.timedelta(days=1)
            if self.is_workday(current):
                counted += 1
        return current


def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _loaded_schedule(year: int) -> Schedule | None:
    """The schedule an administrator loaded for `year` (database), if any."""
    from .models import HolidaySchedule  # the model needs the app registry; this module must not at import

    row = HolidaySchedule.objects.filter(year=year).first()
    if row is None:
        return None
    return parse_schedule(
        {
            "year": row.year,
            "title": row.title,
            "document": row.document,
            "source_url": row.source_url,
            "festivals": row.festivals,
        }
    )


def schedule_for(year: int) -> Schedule | None:
    """The schedule that decides `year`: loaded first, then shipped; None leaves it to the package."""
    return _loaded_schedule(year) or shipped_schedule(year)


class _Lazy(dict):
    """Years looked up once per call, on first use."""

    def __init__(self, lookup: Callable[[int], Schedule | None]):
        super().__init__()
        self._lookup, self._seen = lookup, {}

    def get(self, year, default=None):
        if year not in self._seen:
            self._seen[year] = self._lookup(year)
        found = self._seen[year]
        return default if found is None else found


def current_calendar() -> WorkCalendar:
    """The calendar as it stands now (loaded schedules, shipped files, package)."""
    return WorkCalendar(schedules=_Lazy(schedule_for))


def is_workday(day: dt.date) -> bool:
    return current_calendar().is_workday(day)


def add_workdays(day: dt.date, n: int) -> dt.date:
    """The n-th working day strictly after `day` (the event day itself is not counted, N-CAL.2)."""
    return current_calendar().add_workdays(day, n)
