"""The school calendar: what kind of day a date is.

Order of authority: the school's own override for the day; then the official Chinese calendar
(public holidays and make-up working days 调休, from the ``chinese-calendar`` package); for
years it has no official data for yet (the State Council announces the next year late each
year), the statutory holidays computed by the ``holidays`` package plus the two golden weeks,
flagged "not yet official" (no 调休 is known for them); plain weekdays/weekends only where
neither knows. School days outside every term are vacation (寒暑假) when the school has entered
its terms. Days whose holidays are not official, or that no entered term covers, are
*unverified*: creating, editing and publishing a roster over them says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
import holidays
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from roster.models import CalendarOverride, DayKind, Term


@dataclass(frozen=True)
class DayInfo:
    date: date
    kind: str
    holiday_name: str = ""
    makeup_workday: bool = False  # 调休: a weekend day worked in exchange for a holiday
    official: bool = True  # False: no official holiday data for this year yet; computed
    overridden: bool = False
    # False: the school has entered no term that tells whether this day is term or vacation
    # (no terms at all, or the day lies before the first or after the last of them).
    term_known: bool = True

    @property
    def students_in_school(self) -> bool:
        return self.kind == DayKind.SCHOOL_DAY

    @property
    def holiday_label(self) -> str:
        """The holiday's name in the language of the page (the school's own note as written)."""
        if self.overridden or not (get_language() or "").startswith("zh"):
            return self.holiday_name
        return HOLIDAY_NAMES.get(self.holiday_name, self.holiday_name)

    @property
    def unverified(self) -> bool:
        """A day a roster should not be published over without someone checking the calendar."""
        return not self.overridden and not (self.official and self.term_known)


# The calendar's range. Every form that takes a day for the calendar or a roster refuses dates
# outside it, and the calendar page's month falls back to the current one, so no page steps
# past date.min/date.max or plans duties for a year nobody can know the holidays of.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def validate_calendar_day(value: date) -> None:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationError(
            _("Choose a date from %(first)s to %(last)s.")
            % {"first": f"{FIRST_DAY:%Y-%m-%d}", "last": f"{LAST_DAY:%Y-%m-%d}"}
        )


class CalendarDateField(forms.DateField):
    """A day within the calendar's range, entered with the browser's date picker."""

    default_validators = [validate_calendar_day]
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# chinese-calendar's (English) holiday names in Chinese: the pages, printouts and Excel use these.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}

# The holidays package's Chinese names, as the English names chinese-calendar gives (the key
# of HOLIDAY_NAMES, which the pages translate back).
COMPUTED_NAMES = {
    "元旦": "New Year's Day",
    "农历除夕": "Spring Festival",
    "春节": "Spring Festival",
    "清明节": "Tomb-sweeping Day",
    "劳动节": "Labour Day",
    "端午节": "Dragon Boat Festival",
    "中秋节": "Mid-autumn Festival",
    "国庆节": "National Day",
}


def has_official_data(year: int) -> bool:
    """Whether chinese-calendar has the State Council's arrangement for ``year``."""
    try:
        chinese_calendar.get_holiday_detail(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=1)
def official_years() -> tuple[int, int]:
    """The first and last year with official holiday data."""
    years = [year for year in range(2000, 2100) if has_official_data(year)]
    return years[0], years[-1]


@lru_cache(maxsize=64)
def computed_holidays(year: int) -> dict[date, str] | None:
    """None for a year with official data; else {date: English holiday name}: the statutory
    holidays computed by the ``holidays`` package (lunar dates, 补假), with the two golden weeks
    schools close for every year — 除夕 to 初七 and 1–7 October — since their 调休 is not known
    yet."""
    if has_official_data(year):
        return None
    days: dict[date, str] = {}
    try:
        computed = holidays.China(years=year, language="zh_CN")
    except Exception:  # a year the package cannot compute: weekdays and weekends only
        return days
    for day, names in computed.items():
        for name in names.split("; "):
            key = COMPUTED_NAMES.get(name.split("（")[0])
            if key:
                days.setdefault(day, key)
                break
    if days:  # the package knows the year: 除夕 to 初七
        eve = spring_festival(year) - timedelta(days=1)
        for offset in range(8):
            days.setdefault(eve + timedelta(days=offset), "Spring Festival")
    for offset in range(7):
        days.setdefault(date(year, 10, 1 + offset), "National Day")
    return days


@lru_cache(maxsize=64)
def spring_festival(year: int) -> date:
    """春节, the first day of the lunar year, of ``year`` (1950–2100: the holidays package)."""
    names = holidays.China(years=year, language="zh_CN")
    return min(day for day, name in names.items() if "春节" in name.split("; "))


def _official(day: date) -> DayInfo:
    weekend = day.weekday() >= 5
    computed = computed_holidays(day.year)
    if computed is not None:
        name = computed.get(day)
        if name:
            return DayInfo(day, DayKind.HOLIDAY, holiday_name=name, official=False)
        return DayInfo(day, DayKind.WEEKEND if weekend else DayKind.SCHOOL_DAY, official=False)
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    workday = chinese_calendar.is_workday(day)
    if on_holiday and name and not workday:
        return DayInfo(day, DayKind.HOLIDAY, holiday_name=str(name))
    if weekend and workday:
        return DayInfo(day, DayKind.SCHOOL_DAY, makeup_workday=True)
    if not workday:
        return DayInfo(day, DayKind.WEEKEND)
    return DayInfo(day, DayKind.SCHOOL_DAY)


def school_calendar(school, start: date, end: date) -> dict[date, DayInfo]:
    """Every day from ``start`` to ``end`` inclusive, in two queries."""
    return schools_calendar([school], start, end)[school.pk]


def schools_calendar(schools, start: date, end: date) -> dict[int, dict[date, DayInfo]]:
    """``school_calendar`` for several schools (a bureau's) in the same two queries,
    keyed by school id: their overrides and terms differ."""
    ids = [s.pk for s in schools]
    overrides: dict[int, dict[date, CalendarOverride]] = {pk: {} for pk in ids}
    for o in CalendarOverride.objects.filter(school__in=ids, date__range=(start, end)):
        overrides[o.school_id][o.date] = o
    # All of their terms (a handful a year): which days they cover, and how far the school's
    # entered school years reach.
    terms: dict[int, list[tuple[date, date]]] = {pk: [] for pk in ids}
    for school_id, first, last in (
        Term.objects.filter(school__in=ids)
        .order_by("start_date")
        .values_list("school_id", "start_date", "end_date")
    ):
        terms[school_id].append((first, last))
    # How far each school's entered school years reach: first start to last end (None: no terms).
    reach = {pk: (t[0][0], max(last for _f, last in t)) if t else None for pk, t in terms.items()}
    official: dict[date, DayInfo] = {}
    day = start
    while day <= end:
        official[day] = _official(day)
        day += timedelta(days=1)
    return {
        pk: {
            day: _school_day(info, overrides[pk].get(day), terms[pk], reach[pk])
            for day, info in official.items()
        }
        for pk in ids
    }


def _school_day(
    info: DayInfo, override, terms: list[tuple[date, date]], reach: tuple[date, date] | None
) -> DayInfo:
    day = info.date
    if override is not None:
        return DayInfo(day, override.kind, holiday_name=override.note, overridden=True)
    term_known = reach is not None and reach[0] <= day <= reach[1]
    in_term = any(first <= day <= last for first, last in terms)
    if terms and info.kind == DayKind.SCHOOL_DAY and not in_term:
        return DayInfo(day, DayKind.VACATION, official=info.official, term_known=term_known)
    if not term_known:
        return replace(info, term_known=False)
    return info


@dataclass(frozen=True)
class CalendarGaps:
    """The days of a period nobody has checked: holidays not yet official, or no term known."""

    days: int
    first: date | None
    not_official: int
    outside_terms: int

    def __bool__(self) -> bool:
        return self.days > 0


def calendar_gaps(days: dict[date, DayInfo]) -> CalendarGaps:
    unverified = [d for d in days.values() if d.unverified]
    return CalendarGaps(
        days=len(unverified),
        first=min((d.date for d in unverified), default=None),
        not_official=sum(1 for d in unverified if not d.official),
        outside_terms=sum(1 for d in unverified if not d.term_known),
    )


def period_gaps(school, start: date, end: date) -> CalendarGaps:
    return calendar_gaps(school_calendar(school, start, end))


@dataclass(frozen=True)
class CalendarStatus:
    official_until: int  # the last year with official holiday data
    terms_until: date | None  # the last day of the school's last entered term

    def text(self) -> str:
        official = _(
            "Official public holidays are known up to %(year)d; later years are computed and "
            "marked guessed until they are announced."
        ) % {"year": self.official_until}
        if self.terms_until is None:
            return official + " " + _("No terms are entered yet.")
        return (
            official
            + " "
            + _("Terms are entered up to %(date)s.") % {"date": f"{self.terms_until:%Y-%m-%d}"}
        )


def calendar_status(school, terms: list[Term] | None = None) -> CalendarStatus:
    """``terms``: the school's terms when the caller has read them already."""
    if terms is None:
        terms = list(Term.objects.filter(school=school))
    last = max((t.end_date for t in terms), default=None)
    return CalendarStatus(official_years()[1], last)


def gaps_message(gaps: CalendarGaps) -> str:
    """What the roster pages say about a period's unverified days, by reason."""
    official = ngettext(
        "%(count)d day of this roster has public holidays not yet officially announced (the "
        "arrangement is guessed)",
        "%(count)d days of this roster have public holidays not yet officially announced (the "
        "arrangement is guessed)",
        gaps.not_official,
    ) % {"count": gaps.not_official}
    terms = ngettext(
        "%(count)d day lies outside every term entered",
        "%(count)d days lie outside every term entered",
        gaps.outside_terms,
    ) % {"count": gaps.outside_terms}
    parts = [p for p, n in ((official, gaps.not_official), (terms, gaps.outside_terms)) if n]
    return _("%(what)s: check the school calendar first.") % {"what": _("; ").join(parts)}
