"""The school calendar: what kind of day a date is.

Order of authority: the school's own override for the day; then the official Chinese calendar
(public holidays and make-up working days 调休, from the ``chinese-calendar`` package); then
plain weekdays/weekends for years the package has no data for yet (flagged, so the editor can
warn that the holiday list still needs the school's overrides). School days outside every term
are vacation (寒暑假) when the school has entered its terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

from roster.models import CalendarOverride, DayKind, Term


@dataclass(frozen=True)
class DayInfo:
    date: date
    kind: str
    holiday_name: str = ""
    makeup_workday: bool = False  # 调休: a weekend day worked in exchange for a holiday
    official: bool = True  # False: no official data for this year; weekday/weekend guessed
    overridden: bool = False

    @property
    def students_in_school(self) -> bool:
        return self.kind == DayKind.SCHOOL_DAY


# Fixed-date statutory holidays, used for years the package has no data for yet. Lunar
# holidays (Spring Festival, Qingming, Dragon Boat, Mid-Autumn) and the 调休 swaps are published
# each November by the State Council: until the package has them, schools add overrides.
FIXED_HOLIDAYS = {
    (1, 1): "New Year's Day",
    (5, 1): "Labour Day",
    (10, 1): "National Day",
    (10, 2): "National Day",
    (10, 3): "National Day",
}


def _official(day: date) -> DayInfo:
    weekend = day.weekday() >= 5
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        workday = chinese_calendar.is_workday(day)
    except NotImplementedError:
        fixed = FIXED_HOLIDAYS.get((day.month, day.day))
        if fixed:
            return DayInfo(day, DayKind.HOLIDAY, holiday_name=fixed, official=False)
        return DayInfo(day, DayKind.WEEKEND if weekend else DayKind.SCHOOL_DAY, official=False)
    if on_holiday and name and not workday:
        return DayInfo(day, DayKind.HOLIDAY, holiday_name=str(name))
    if weekend and workday:
        return DayInfo(day, DayKind.SCHOOL_DAY, makeup_workday=True)
    if not workday:
        return DayInfo(day, DayKind.WEEKEND)
    return DayInfo(day, DayKind.SCHOOL_DAY)


def school_calendar(school, start: date, end: date) -> dict[date, DayInfo]:
    """Every day from ``start`` to ``end`` inclusive, in two queries."""
    overrides = {
        o.date: o for o in CalendarOverride.objects.filter(school=school, date__range=(start, end))
    }
    terms = list(
        Term.objects.filter(school=school, start_date__lte=end, end_date__gte=start).values_list(
            "start_date", "end_date"
        )
    )
    has_terms = Term.objects.filter(school=school).exists() if not terms else True
    days: dict[date, DayInfo] = {}
    day = start
    while day <= end:
        if day in overrides:
            days[day] = DayInfo(day, overrides[day].kind, holiday_name=overrides[day].note,
                                overridden=True)  # fmt: skip
        else:
            info = _official(day)
            in_term = any(first <= day <= last for first, last in terms)
            if has_terms and info.kind == DayKind.SCHOOL_DAY and not in_term:
                info = DayInfo(day, DayKind.VACATION, official=info.official)
            days[day] = info
        day += timedelta(days=1)
    return days
