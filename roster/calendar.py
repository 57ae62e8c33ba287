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
    """Every day from ``start`` to ``end`` inclusive, in two or three queries."""
    return schools_calendar([school], start, end)[school.pk]


def schools_calendar(schools, start: date, end: date) -> dict[int, dict[date, DayInfo]]:
    """``school_calendar`` for several schools (a bureau's) in the same two or three queries,
    keyed by school id: their overrides and terms differ."""
    ids = [s.pk for s in schools]
    overrides: dict[int, dict[date, CalendarOverride]] = {pk: {} for pk in ids}
    for o in CalendarOverride.objects.filter(school__in=ids, date__range=(start, end)):
        overrides[o.school_id][o.date] = o
    terms: dict[int, list[tuple[date, date]]] = {pk: [] for pk in ids}
    for school_id, first, last in Term.objects.filter(
        school__in=ids, start_date__lte=end, end_date__gte=start
    ).values_list("school_id", "start_date", "end_date"):
        terms[school_id].append((first, last))
    has_terms = {pk for pk in ids if terms[pk]}
    if len(has_terms) < len(ids):
        # A school with terms, none of them in this period: the period is vacation.
        has_terms |= set(
            Term.objects.filter(school__in=set(ids) - has_terms).values_list("school_id", flat=True)
        )
    official: dict[date, DayInfo] = {}
    day = start
    while day <= end:
        official[day] = _official(day)
        day += timedelta(days=1)
    return {
        pk: {
            day: _school_day(info, overrides[pk].get(day), terms[pk], pk in has_terms)
            for day, info in official.items()
        }
        for pk in ids
    }


def _school_day(info: DayInfo, override, terms: list[tuple[date, date]], has_terms: bool):
    day = info.date
    if override is not None:
        return DayInfo(day, override.kind, holiday_name=override.note, overridden=True)
    in_term = any(first <= day <= last for first, last in terms)
    if has_terms and info.kind == DayKind.SCHOOL_DAY and not in_term:
        return DayInfo(day, DayKind.VACATION, official=info.official)
    return info
