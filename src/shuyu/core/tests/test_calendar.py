import datetime as dt

import pytest

from shuyu.core.calendar import add_workdays


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
    assert add_workdays(dt.date.fromisoformat(event), n) == dt.date.fromisoformat(deadline)
