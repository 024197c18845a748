"""The working-day calendar (N-CAL.1/2): shipped 2025/2026 schedules, administrator-loaded years,
precedence, and the deadline convention."""

import copy
import datetime as dt
import json

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuyu import ledger
from shuyu.core import calendar
from shuyu.core.calendar import WorkCalendar, add_workdays, is_workday, parse_schedule, shipped_schedule
from shuyu.core.errors import DomainError, PermissionDenied
from shuyu.core.models import HolidaySchedule
from shuyu.orgs.services import load_holiday_schedule

D = dt.date.fromisoformat

# Test data shaped like a notice; NOT the official 2027 schedule (load the real notice once published).
SCHEDULE_2027 = {
    "year": 2027,
    "title": "测试用2027年部分节假日安排（非官方）",
    "document": "test",
    "source_url": "https://example.org/2027-holidays",
    "festivals": [
        {"name": "元旦", "start": "2027-01-01", "end": "2027-01-03", "workdays": []},
        {
            "name": "春节",
            "start": "2027-02-05",
            "end": "2027-02-12",
            "workdays": ["2027-02-13", "2027-02-14"],
        },
        {
            "name": "国庆节",
            "start": "2027-10-01",
            "end": "2027-10-07",
            "workdays": ["2027-09-26", "2027-10-09"],
        },
    ],
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("event", "n", "deadline"),
    [
        ("2025-01-24", 3, "2025-02-05"),
        ("2025-04-25", 10, "2025-05-13"),
        ("2025-09-26", 10, "2025-10-16"),
        ("2025-12-31", 10, "2026-01-15"),
        ("2026-02-12", 10, "2026-03-04"),
        ("2026-09-18", 10, "2026-10-09"),
        ("2026-04-30", 20, "2026-06-01"),
    ],
)
def test_n_cal_2_deadline_vectors_match_the_state_council_schedules(event, n, deadline):
    assert add_workdays(D(event), n) == D(deadline)
    # …and the same from the shipped files alone, without the package or the database.
    shipped = WorkCalendar({y: shipped_schedule(y) for y in (2025, 2026)}, use_package=False)
    assert shipped.add_workdays(D(event), n) == D(deadline)


@pytest.mark.parametrize("year", [2025, 2026])
def test_n_cal_1_shipped_schedules_have_248_working_days_and_name_their_source(year):
    schedule = shipped_schedule(year)
    assert schedule.working_days() == 248
    assert schedule.source_url.startswith("https://") and "国务院办公厅" in schedule.title


@pytest.mark.parametrize("year", [2025, 2026])
def test_n_cal_3_shipped_schedules_agree_with_chinesecalendar_every_day(year):
    schedule, day = shipped_schedule(year), dt.date(year, 1, 1)
    while day.year == year:
        assert schedule.is_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize("year", [2025, 2026])
def test_n_cal_1_shipped_files_round_trip(year):
    schedule = shipped_schedule(year)
    assert parse_schedule(schedule.as_data(), origin="shipped") == schedule


@pytest.mark.django_db
def test_n_cal_1_unknown_year_is_an_error_until_an_administrator_loads_it(admin):
    with pytest.raises(DomainError) as err:
        add_workdays(D("2027-01-29"), 10)
    assert err.value.requirement == "N-CAL.1" and "2027" in err.value.zh
    with pytest.raises(DomainError):
        is_workday(D("2027-03-01"))  # an ordinary Monday: never guessed
    before = ledger.size()
    load_holiday_schedule(admin, data=SCHEDULE_2027)
    assert ledger.size() == before + 1
    assert is_workday(D("2027-03-01"))
    assert not is_workday(D("2027-02-08"))  # a Monday in the (test) Spring Festival
    assert is_workday(D("2027-02-13"))  # a Saturday make-up workday
    assert add_workdays(D("2027-01-29"), 10) == D("2027-02-18")  # 4 + 2 make-up + 4


@pytest.mark.django_db
def test_n_cal_1_loaded_schedule_takes_precedence_over_shipped_and_package(admin):
    data = copy.deepcopy(shipped_schedule(2026).as_data())
    data["festivals"].append({"name": "测试假日", "start": "2026-12-01", "end": "2026-12-01", "workdays": []})
    assert is_workday(D("2026-12-01"))
    load_holiday_schedule(admin, data=data)
    assert not is_workday(D("2026-12-01"))
    assert calendar.schedule_for(2026).origin == "loaded"


@pytest.mark.django_db
def test_n_cal_1_reloading_a_year_replaces_it_and_is_ledgered_again(admin):
    load_holiday_schedule(admin, data=SCHEDULE_2027)
    before = ledger.size()
    changed = copy.deepcopy(SCHEDULE_2027)
    changed["festivals"][0]["end"] = "2027-01-01"
    load_holiday_schedule(admin, data=changed)
    assert ledger.size() == before + 1 and HolidaySchedule.objects.count() == 1
    assert is_workday(D("2027-01-04"))


def _broken(**change):
    data = copy.deepcopy(SCHEDULE_2027)
    for path, value in change.items():
        target = data
        *heads, last = path.split("__")
        for h in heads:
            target = target[int(h)] if h.isdigit() else target[h]
        target[int(last) if last.isdigit() else last] = value
    return data


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (_broken(festivals__1__end="2028-01-03"), "不在2027年内"),
        (_broken(festivals__1__workdays=["2027-02-06"]), "既是放假日又是调休上班日"),
        (_broken(festivals__1__workdays=["2027-02-17"]), "不是周末"),
        (_broken(festivals__1__start="2027-02-20"), "结束日早于起始日"),
        (_broken(festivals__0__start="1/1/2027"), "格式不对"),
        (_broken(source_url=""), "来源"),
        (_broken(year="2027"), "年份"),
        (_broken(festivals=[]), "节日安排"),
        (_broken(festivals__2__start="2027-02-10"), "重复放假"),
    ],
)
def test_n_cal_1_invalid_schedules_are_refused_with_a_clear_message(data, words):
    with pytest.raises(DomainError) as err:
        parse_schedule(data)
    assert err.value.requirement == "N-CAL.1" and words in err.value.zh and err.value.en


@pytest.mark.django_db
def test_n_cal_1_invalid_load_changes_nothing(admin):
    before = ledger.size()
    with pytest.raises(DomainError):
        load_holiday_schedule(admin, data=_broken(festivals__1__workdays=["2027-02-06"]))
    assert ledger.size() == before and not HolidaySchedule.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["data_admin", "implementing_agency", "government"])
def test_r22_1_only_the_platform_administrator_loads_schedules(make_actor, role):
    actor = make_actor(role)
    before = ledger.size()
    with pytest.raises(PermissionDenied):
        load_holiday_schedule(actor, data=SCHEDULE_2027)
    assert ledger.size() == before and not HolidaySchedule.objects.exists()


def test_n_cal_1_calendar_without_package_never_guesses():
    with pytest.raises(DomainError) as err:
        WorkCalendar({}, use_package=False).is_workday(D("2026-03-02"))
    assert err.value.requirement == "N-CAL.1"


def test_n_cal_1_shipped_data_files_are_valid_json_for_their_year():
    for year in calendar.shipped_years():
        data = json.loads((calendar.DATA_DIR / f"holidays_{year}.json").read_text(encoding="utf-8"))
        assert data["year"] == year


SHIPPED = WorkCalendar({2025: shipped_schedule(2025), 2026: shipped_schedule(2026)}, use_package=False)


@given(
    day=st.dates(min_value=dt.date(2024, 12, 31), max_value=dt.date(2026, 10, 31)),
    n=st.integers(min_value=1, max_value=30),
)
def test_n_cal_2_deadline_is_the_nth_working_day_strictly_after(day, n):
    deadline = SHIPPED.add_workdays(day, n)
    assert deadline > day and SHIPPED.is_workday(deadline)
    span = (deadline - day).days
    counted = sum(SHIPPED.is_workday(day + dt.timedelta(days=i)) for i in range(1, span + 1))
    assert counted == n
