"""Holiday periods to file and their deadlines (the bureau's rule, in the school's zone)."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from roster.calendar import DayInfo, school_calendar, schools_calendar
from roster.excel import HOLIDAY_NAMES
from roster.models import DayKind, FilingPolicy, HolidayFiling
from staff.models import School

MAX_PERIOD_DAYS = 31
LOOK_BACK = timedelta(days=10)  # a period that has already begun is still listed
HORIZON_DAYS = 60


@dataclass(frozen=True)
class HolidayPeriod:
    name: str
    start: date
    end: date
    deadline: datetime

    @property
    def key(self) -> tuple[str, date]:
        return (self.name, self.start)


@dataclass(frozen=True)
class FilingStatus:
    period: HolidayPeriod
    latest: HolidayFiling | None
    first: HolidayFiling | None
    overdue: bool

    @property
    def code(self) -> str:
        if self.latest is None:
            return "overdue" if self.overdue else "not_filed"
        return "late" if is_late(self.first) else "on_time"


def is_late(filing: HolidayFiling) -> bool:
    return filing.filed_at > filing.deadline


def filing_policy(school: School) -> FilingPolicy:
    """The bureau's rule, or the default (unsaved) when the bureau has set none."""
    policy = FilingPolicy.objects.filter(bureau_id=school.bureau_id).first()
    return policy or FilingPolicy(bureau_id=school.bureau_id)


def deadline_for(school: School, first_day: date, policy: FilingPolicy) -> datetime:
    day = first_day - timedelta(days=policy.days_before)
    return datetime.combine(day, policy.deadline_time, tzinfo=zoneinfo.ZoneInfo(school.time_zone))


def _holiday_label(name: str) -> str:
    return HOLIDAY_NAMES.get(name, name) or "节假日"


def _scan(today: date, horizon_days: int) -> tuple[date, date]:
    # A little wider both ways than asked, so a period crossing either edge is seen whole.
    return today - LOOK_BACK, today + timedelta(days=horizon_days + MAX_PERIOD_DAYS)


def upcoming_holidays(
    school: School,
    *,
    today: date,
    horizon_days: int = HORIZON_DAYS,
    policy: FilingPolicy | None = None,
    days: dict[date, DayInfo] | None = None,
) -> list[HolidayPeriod]:
    """Holiday periods not yet over that begin within ``horizon_days`` of ``today``. ``days``:
    the school's calendar when the caller has read it already (``upcoming_for_schools``)."""
    policy = policy or filing_policy(school)
    last = today + timedelta(days=horizon_days)
    if days is None:
        days = school_calendar(school, *_scan(today, horizon_days))
    periods, run = [], []
    for day in sorted(days):
        info = days[day]
        if info.kind in (DayKind.HOLIDAY, DayKind.WEEKEND):
            run.append(info)
            continue
        periods.extend(_period_from(run))
        run = []
    periods.extend(_period_from(run))
    return [
        HolidayPeriod(name, start, end, deadline_for(school, start, policy))
        for name, start, end in periods
        if end >= today and start <= last
    ]


def _period_from(run: list) -> list[tuple[str, date, date]]:
    names = [i.holiday_name for i in run if i.kind == DayKind.HOLIDAY]
    if not names:
        return []  # a plain weekend
    return [(_holiday_label(next((n for n in names if n), "")), run[0].date, run[-1].date)]


def upcoming_for_schools(
    schools: list[School], *, today: date, policy: FilingPolicy
) -> dict[int, list[HolidayPeriod]]:
    """``upcoming_holidays`` for a bureau's schools, reading all their calendars at once."""
    calendars = schools_calendar(schools, *_scan(today, HORIZON_DAYS))
    return {
        s.pk: upcoming_holidays(s, today=today, policy=policy, days=calendars[s.pk])
        for s in schools
    }
