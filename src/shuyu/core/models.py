"""Tables of the core app: the working-day calendar an administrator loads (N-CAL.1)."""

from django.db import models


class HolidaySchedule(models.Model):
    """One year's 国务院办公厅 holiday notice as data: days off (放假) and weekend working days (调休上班).

    Loaded by an administrator (`shuyu calendar load`, POST /api/core/calendar); takes precedence over the
    shipped files and the `chinesecalendar` package for its year. Reloading a year replaces it; the ledger
    keeps every version.
    """

    year = models.PositiveSmallIntegerField("年份", unique=True)
    title = models.CharField("通知名称", max_length=200)
    document = models.CharField("文号", max_length=100, blank=True)
    source_url = models.URLField("来源", max_length=500)
    festivals = models.JSONField("节日安排", default=list)  # [{"name", "start", "end", "workdays": [...]}]
    holidays = models.JSONField("放假日期", default=list)  # ISO dates, sorted
    workdays = models.JSONField("调休上班日期", default=list)  # ISO dates, sorted
    loaded_by_person_id = models.BigIntegerField("载入人", null=True, blank=True)
    loaded_by_org_id = models.BigIntegerField("载入单位", null=True, blank=True)
    loaded_at = models.DateTimeField("载入时间")

    class Meta:
        verbose_name = "法定节假日安排"
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=2000, year__lte=2200), name="core_holiday_schedule_year_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.title}"
