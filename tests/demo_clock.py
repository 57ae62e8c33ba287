"""Instants for seeding the demo in tests, derived from the real clock and always after it
(``auto_now_add`` fields carry the real time, which must not be later than the seeded now).
"Today" is the school's local day in Shanghai, never the UTC day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from roster.calendar import spring_festival
from roster.demo import school_year_terms

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_now() -> datetime:
    return timezone.localtime(timezone.now(), SHANGHAI)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def _in_demo_term(day: date) -> bool:
    first = day.year if day.month >= 8 else day.year - 1
    return any(start <= day <= end for _n, start, end in school_year_terms(first))


def _official_workday(day: date) -> bool:
    """A working day by the product's own calendar (official data, else computed holidays)."""
    from roster.calendar import _official
    from roster.models import DayKind

    return _official(day).kind == DayKind.SCHOOL_DAY


MARGIN = timedelta(minutes=15)  # seeding takes seconds: the instant stays ahead of the real now


def _after_now(make) -> datetime:
    """``make(year)`` for this year, else the next (the first instant after the real now)."""
    now = timezone.now() + MARGIN
    year = local_now().year
    while make(year) < now:
        year += 1
    return make(year)


def instants() -> dict[str, datetime]:
    local = local_now()
    today = local.date()
    school_morning = school_day_morning()
    midnight = at(today + timedelta(days=1), 0, 0)
    if midnight < timezone.now() + MARGIN:
        midnight = at(today + timedelta(days=2), 0, 0)
    month = today.replace(day=1)
    while True:
        month = (month + timedelta(days=32)).replace(day=1)
        end = month - timedelta(days=1)
        if (end.month, end.day) != (12, 31) and at(end, 21, 30) > timezone.now() + MARGIN:
            break
    month_end = at(end, 21, 30)
    new_year_eve = _after_now(lambda y: at(date(y, 12, 31), 23, 55))
    festival = _after_now(lambda y: at(spring_festival(y) + timedelta(days=1), 0, 30))
    first_of_term = _after_now(lambda y: at(date(y, 9, 1), 8, 30))
    sunday = today + timedelta(days=(6 - today.weekday()) or 7)
    first_of_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return {
        "school-day morning": school_morning,
        "local midnight": midnight,
        "month end": month_end,
        "31 December 23:55": new_year_eve,
        "Spring Festival": festival,
        "first day of term": first_of_term,
        "Sunday": at(sunday, 15, 0),
        # Edges: last month's night or holiday duty still running (from last month's roster),
        # just after midnight and just before its end; and the weekend's holiday duty just
        # handed over to a Monday (logs not yet signed, rest rule).
        "1st of a month 00:30": at(first_of_month, 0, 30),
        "1st of a month before 08:00": at(first_of_month, 7, 30),
        "Monday 08:05": at(sunday + timedelta(days=1), 8, 5),
    }


def school_day_morning(*, from_day: int = 1) -> datetime:
    """10:20 on the first school day (a weekday that is an official working day inside a demo
    term) after today whose day of the month is at least ``from_day``: the demo roster's
    published month has shifts behind it then."""
    day = local_now().date() + timedelta(days=1)
    while not (
        day.day >= from_day and day.weekday() < 5 and _official_workday(day) and _in_demo_term(day)
    ):
        day += timedelta(days=1)
    return at(day, 10, 20)
