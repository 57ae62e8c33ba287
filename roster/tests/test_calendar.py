"""The school calendar: official holidays and make-up days, terms, overrides, missing data."""

from __future__ import annotations

from datetime import date

import pytest

from roster.calendar import school_calendar
from roster.models import CalendarOverride, DayKind, Term

pytestmark = pytest.mark.django_db


def kind(school, day):
    return school_calendar(school, day, day)[day]


def test_national_day_is_a_public_holiday(cast):
    info = kind(cast.school, date(2026, 10, 1))
    assert info.kind == DayKind.HOLIDAY
    assert info.holiday_name == "National Day"
    assert not info.students_in_school


def test_a_make_up_working_saturday_is_a_school_day(cast):
    info = kind(cast.school, date(2026, 10, 10))
    assert info.kind == DayKind.SCHOOL_DAY
    assert info.makeup_workday


def test_ordinary_weekdays_and_weekends(cast):
    days = school_calendar(cast.school, date(2026, 12, 4), date(2026, 12, 6))
    assert [d.kind for d in days.values()] == [DayKind.SCHOOL_DAY, DayKind.WEEKEND, DayKind.WEEKEND]


def test_school_days_outside_every_term_are_vacation(cast):
    Term.objects.create(
        school=cast.school,
        name="2026秋季学期",
        start_date=date(2026, 9, 1),
        end_date=date(2027, 1, 22),
    )
    assert kind(cast.school, date(2026, 12, 7)).kind == DayKind.SCHOOL_DAY
    assert kind(cast.school, date(2026, 8, 20)).kind == DayKind.VACATION


def test_the_schools_override_beats_the_official_calendar(cast):
    CalendarOverride.objects.create(
        school=cast.school, date=date(2026, 12, 7), kind=DayKind.VACATION, note="校庆放假"
    )
    info = kind(cast.school, date(2026, 12, 7))
    assert (info.kind, info.holiday_name, info.overridden) == (DayKind.VACATION, "校庆放假", True)
    assert kind(cast.other_school, date(2026, 12, 7)).kind == DayKind.SCHOOL_DAY


def test_a_year_without_official_data_falls_back_to_weekdays_and_says_so(cast):
    info = kind(cast.school, date(2030, 1, 2))  # a Wednesday
    assert info.kind == DayKind.SCHOOL_DAY
    assert not info.official


def test_fixed_date_holidays_are_known_even_without_official_data(cast):
    info = kind(cast.school, date(2030, 10, 1))
    assert (info.kind, info.holiday_name, info.official) == (DayKind.HOLIDAY, "National Day", False)
