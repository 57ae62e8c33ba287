"""A calendar that knows every year: computed statutory holidays for years without official data,
the days nobody has checked (not official, or outside every entered term) shown where rosters are
created, edited and published, and publishing over them only once confirmed."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from roster import services
from roster.calendar import official_years, period_gaps, school_calendar
from roster.models import CalendarOverride, DayKind, Roster, RosterChange, RosterStatus, Term
from roster.services import RosterError
from staff.models import Role, Staff

pytestmark = pytest.mark.django_db

# One controlled clock for publishing: long before every period below.
NOW = datetime.fromisoformat("2026-11-02T10:00+08:00")


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# 除夕 to 初七, and the National Day week, of the years the issue names.
SPRING_2027 = days(date(2027, 2, 5), date(2027, 2, 12))
SPRING_2028 = days(date(2028, 1, 25), date(2028, 2, 1))
NATIONAL_2027 = days(date(2027, 10, 1), date(2027, 10, 7))
NATIONAL_2028 = days(date(2028, 10, 1), date(2028, 10, 7))


@pytest.fixture
def school_year(cast):
    """The cast school with its terms entered through the 2028–29 autumn term."""
    for name, first, last in [
        ("2026秋", date(2026, 9, 1), date(2027, 1, 15)),
        ("2027春", date(2027, 2, 22), date(2027, 7, 2)),
        ("2027秋", date(2027, 9, 1), date(2028, 1, 14)),
        ("2028春", date(2028, 2, 21), date(2028, 7, 7)),
        ("2028秋", date(2028, 9, 1), date(2029, 1, 12)),
    ]:
        Term.objects.create(school=cast.school, name=name, start_date=first, end_date=last)
    services.create_default_shift_types(school=cast.school)
    return cast.school


@pytest.mark.parametrize("day", SPRING_2027 + SPRING_2028 + NATIONAL_2027 + NATIONAL_2028)
def test_the_spring_festival_and_national_day_weeks_are_holidays_in_any_year(cast, day):
    info = school_calendar(cast.school, day, day)[day]
    assert info.kind == DayKind.HOLIDAY
    assert info.holiday_name in {"Spring Festival", "National Day", "Mid-autumn Festival"}


def test_a_year_without_official_data_has_its_lunar_holidays_computed_and_flagged(cast):
    year = official_years()[1] + 1
    calendar = school_calendar(cast.school, date(year, 1, 1), date(year, 12, 31))
    holidays = {d: i.holiday_name for d, i in calendar.items() if i.kind == DayKind.HOLIDAY}
    names = set(holidays.values())
    assert {"New Year's Day", "Spring Festival", "Tomb-sweeping Day", "Labour Day",
            "Dragon Boat Festival", "National Day"} <= names  # fmt: skip
    assert not any(i.official for i in calendar.values())  # every day: not yet official
    spring = sorted(d for d, n in holidays.items() if n == "Spring Festival")
    assert len(spring) == 8 and spring[-1] - spring[0] == timedelta(days=7)  # 除夕 .. 初七


def test_an_official_year_is_not_flagged(school_year):
    last = official_years()[1]
    info = school_calendar(school_year, date(last, 10, 1), date(last, 10, 1))[date(last, 10, 1)]
    assert info.official


@pytest.mark.parametrize(
    ("first", "last"),
    [(date(2027, 1, 16), date(2027, 2, 21)),  # the whole winter vacation 2027
     (date(2027, 9, 25), date(2027, 10, 10)),
     (date(2028, 1, 15), date(2028, 2, 20)),  # the whole winter vacation 2028
     (date(2028, 9, 25), date(2028, 10, 10))],
)  # fmt: skip
def test_a_school_with_its_terms_gets_no_teacher_duty_over_the_holidays(school_year, first, last):
    roster = services.create_roster(
        school=school_year, name="假期", start=first, end=last, actor=None
    )
    closed = set(SPRING_2027 + SPRING_2028 + NATIONAL_2027 + NATIONAL_2028)
    winter = {d for d in days(first, last) if first.month in (1, 2)}
    teacher_days = {
        s.date
        for s in roster.shifts.select_related("shift_type").prefetch_related(
            "shift_type__requirements"
        )
        if any(r.role == Role.TEACHER for r in s.shift_type.requirements.all())
    }
    assert not teacher_days & (closed | winter)
    names = set(roster.shifts.filter(date__in=closed | winter).values_list("shift_type__name",
                                                                           flat=True))  # fmt: skip
    assert names <= {"节假日值班"}
    # Every closed day of the period still has its holiday duty.
    duty = set(roster.shifts.filter(shift_type__name="节假日值班").values_list("date", flat=True))
    assert (closed | winter) & set(days(first, last)) <= duty


def test_unverified_days_are_counted_per_reason(cast, school_year):
    year = official_years()[1]
    official_month = (date(year, 12, 1), date(year, 12, 31))
    assert not period_gaps(school_year, *official_month)  # official and within the terms
    everything = period_gaps(cast.other_school, *official_month)  # no terms at all
    assert (everything.days, everything.outside_terms, everything.not_official) == (31, 31, 0)
    guessed = period_gaps(school_year, date(year + 1, 1, 1), date(year + 1, 1, 31))
    assert (guessed.days, guessed.not_official, guessed.first) == (31, 31, date(year + 1, 1, 1))
    beyond = period_gaps(school_year, date(2029, 1, 10), date(2029, 1, 16))
    assert beyond.outside_terms == 4  # 13–16 January 2029: after the last term entered


def test_the_schools_own_entry_makes_a_day_verified(cast):
    day = date(official_years()[1] + 1, 3, 3)
    assert period_gaps(cast.school, day, day).days == 1
    CalendarOverride.objects.create(school=cast.school, date=day, kind=DayKind.SCHOOL_DAY)
    assert not period_gaps(cast.school, day, day)


def guessed_draft(school) -> Roster:
    """A two-day draft in the first year without official data, staffed by nobody (the
    school's shift types need nobody), so only the calendar can stop it being published."""
    day = date(official_years()[1] + 1, 3, 2)
    return services.create_roster(school=school, name="三月", start=day, end=day + timedelta(1),
                                  actor=None)  # fmt: skip


def test_publishing_over_guessed_days_needs_the_confirmation_and_records_it(cast):
    roster = guessed_draft(cast.school)
    with pytest.raises(RosterError) as refused:
        services.publish_roster(roster=roster, actor=cast.admin.user, now=NOW)
    assert "2" in str(refused.value) and not refused.value.violations
    assert Roster.objects.get(pk=roster.pk).status == RosterStatus.DRAFT
    services.publish_roster(roster=roster, actor=cast.admin.user, now=NOW, calendar_checked=True)
    roster.refresh_from_db()
    assert (roster.status, roster.publish_unverified_days) == (RosterStatus.PUBLISHED, 2)
    change = RosterChange.objects.get(roster=roster, action=RosterChange.Action.PUBLISHED)
    assert "2" in change.reason and change.actor == cast.admin.user


def test_a_verified_period_publishes_without_the_confirmation(school_year):
    year = official_years()[1]
    roster = services.create_roster(school=school_year, name="十二月", start=date(year, 12, 5),
                                    end=date(year, 12, 6), actor=None)  # fmt: skip
    roster.shifts.all().delete()  # nothing to staff: only the calendar is in question
    services.publish_roster(roster=roster, actor=None, now=NOW)
    roster.refresh_from_db()
    assert (roster.status, roster.publish_unverified_days) == (RosterStatus.PUBLISHED, 0)


def test_the_pages_show_the_gap_and_publishing_asks_for_the_box(client, cast):
    client.force_login(cast.admin.user)
    listing = client.get(reverse("roster:list")).content.decode()
    assert f"{official_years()[1]}" in listing and "calendar-status" in listing
    day = date(official_years()[1] + 1, 3, 2)
    created = client.post(
        reverse("roster:create"),
        {"name": "三月", "start_date": day, "end_date": day + timedelta(1)},
        follow=True,
    )
    roster = Roster.objects.get(school=cast.school, name="三月")
    roster.shifts.all().delete()
    page = created.content.decode()
    assert "推测" in page and "calendar-gaps" in page  # the message after creating, the banner
    editor = client.get(reverse("roster:detail", args=[roster.pk])).content.decode()
    assert "calendar-gaps" in editor and 'name="calendar_checked"' in editor
    assert f"?month={day:%Y-%m}" in editor
    week = client.get(reverse("roster:week", args=[roster.pk])).content.decode()
    assert "calendar-gaps" in week
    url = reverse("roster:publish", args=[roster.pk])
    refused = client.post(url, {"reason": "提前核对"}, follow=True).content.decode()
    assert "请勾选“我已核对校历”后再发布" in refused
    assert Roster.objects.get(pk=roster.pk).status == RosterStatus.DRAFT
    client.post(url, {"reason": "提前核对", "calendar_checked": "1"})
    assert Roster.objects.get(pk=roster.pk).publish_unverified_days == 2


def test_the_calendar_page_says_which_years_are_official(client, cast):
    client.force_login(cast.admin.user)
    year = official_years()[1] + 1
    page = client.get(reverse("roster:calendar"), {"month": f"{year}-02"}).content.decode()
    assert f"{year - 1}" in page and "春节" in page and "推测" in page
    assert "no term entered" in page or "未录入学期" in page


def test_calendar_status_command(cast, school_year):
    out = io.StringIO()
    call_command("calendar_status", stdout=out)
    text = out.getvalue()
    first, last = official_years()
    assert f"{first}–{last}" in text
    assert f"{cast.school.name}: terms up to 2029-01-12" in text
    assert f"{cast.other_school.name}: no terms entered" in text


def test_the_editor_names_a_computed_holiday_in_the_pages_language(client, cast):
    year = official_years()[1] + 1
    winter = school_calendar(cast.school, date(year, 1, 15), date(year, 2, 28))
    eve = min(d for d, i in winter.items() if i.holiday_name == "Spring Festival")
    roster = services.create_roster(school=cast.school, name="春节", start=eve, end=eve, actor=None)
    client.force_login(cast.admin.user)
    url = reverse("roster:detail", args=[roster.pk])
    assert "春节" in client.get(url).content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Spring Festival" in english.content.decode()


# ---- drafts follow the calendar; published rosters are flagged


def test_a_draft_follows_a_days_new_kind_and_keeps_a_staffed_shift_flagged(client, school_year):
    from roster import setup
    from roster.models import Assignment

    admin = actor_of(school_year)
    saturday = date(2026, 12, 12)  # inside the 2026 autumn term, official data
    roster = services.create_roster(school=school_year, name="十二月", start=date(2026, 12, 7),
                                    end=date(2026, 12, 13), actor=None)  # fmt: skip
    names = lambda: sorted(roster.shifts.filter(date=saturday).values_list(  # noqa: E731
        "shift_type__name", flat=True))  # fmt: skip
    assert names() == ["节假日值班"]
    setup.set_day_override(actor=admin, school=school_year, day=saturday, kind="school_day",
                           note="调休上班")  # fmt: skip
    assert names() == ["夜班", "白班"]  # the 调休 Saturday is a school day: its shifts, no more
    assert not services.calendar_mismatch(roster)
    # Someone is on the day shift; the school takes the day back as a holiday.
    day_shift = roster.shifts.get(date=saturday, shift_type__name="白班")
    leader = Staff.objects.filter(school=school_year, roles__role=Role.LEADER).first()
    Assignment.objects.create(shift=day_shift, staff=leader, role=Role.LEADER)
    setup.clear_day_override(actor=admin, school=school_year, day=saturday)
    assert names() == ["白班", "节假日值班"]  # the staffed shift is kept, the empty one goes
    mismatch = services.calendar_mismatch(roster)
    assert [s.pk for s in mismatch.stale] == [day_shift.pk] and not mismatch.missing
    client.force_login(admin.user)
    page = client.get(reverse("roster:detail", args=[roster.pk])).content.decode()
    assert "calendar-mismatch" in page and "12-12" in page


def test_a_term_decides_vacation_in_drafts_and_a_published_roster_is_only_flagged(school_year):
    from roster import setup

    admin = actor_of(school_year)
    first, last = date(2029, 2, 26), date(2029, 3, 2)  # after the last term: vacation for now
    draft = services.create_roster(school=school_year, name="草稿", start=first, end=last,
                                   actor=None)  # fmt: skip
    published = services.create_roster(school=school_year, name="已发布", start=last + timedelta(1),
                                       end=last + timedelta(3), actor=None)  # fmt: skip
    published.status = RosterStatus.PUBLISHED
    published.save(update_fields=["status"])
    before = set(published.shifts.values_list("pk", flat=True))
    assert set(draft.shifts.values_list("shift_type__name", flat=True)) == {"节假日值班"}
    setup.save_term(actor=admin, school=school_year, name="2029春", start=first,
                    end=date(2029, 7, 6))  # fmt: skip
    assert set(draft.shifts.values_list("shift_type__name", flat=True)) == {"白班", "夜班"}
    assert set(published.shifts.values_list("pk", flat=True)) == before  # never rewritten
    assert services.calendar_mismatch(published).days == [date(2029, 3, 5)]  # Monday


def actor_of(school):
    from staff.queries import actor_for

    return actor_for(Staff.objects.get(school=school, roles__role=Role.ADMIN).user)


# ---- the calendar's date range: no date can break a page


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1-01", "99999999999999999999-1",
                                   "abc", "-1", "2027-13", "1999-12", "2100-01"])  # fmt: skip
def test_the_calendar_page_answers_any_month(client, cast, month):
    client.force_login(cast.admin.user)
    response = client.get(reverse("roster:calendar"), {"month": month})
    assert response.status_code == 200


def test_the_calendar_pager_stops_at_the_range(client, cast):
    client.force_login(cast.admin.user)
    page = client.get(reverse("roster:calendar"), {"month": "2099-12"}).content.decode()
    assert "?month=2099-11" in page and "?month=2100-01" not in page
    page = client.get(reverse("roster:calendar"), {"month": "2000-01"}).content.decode()
    assert "?month=2000-02" in page and "?month=1999-12" not in page


@pytest.mark.parametrize(
    ("url", "data"),
    [("roster:create", {"name": "x", "start_date": "9999-12-01", "end_date": "9999-12-31"}),
     ("roster:create", {"name": "x", "start_date": "0001-01-01", "end_date": "0001-01-31"}),
     ("roster:term-new", {"name": "x", "start": "0001-01-01", "end": "2027-01-01"}),
     ("roster:term-new", {"name": "x", "start": "2030-01-01", "end": "9999-12-31"}),
     ("roster:override-set", {"day": "9999-12-31", "kind": "holiday"}),
     ("roster:override-set", {"day": "0001-01-01", "kind": "holiday"})],
)  # fmt: skip
def test_dates_outside_the_calendar_are_refused_with_a_message(client, cast, url, data):
    client.force_login(cast.admin.user)
    response = client.post(reverse(url), data)
    assert response.status_code == 400
    assert "2000-01-01" in response.content.decode()  # "请选择 2000-01-01 至 2099-12-31 …"
    assert not Roster.objects.exists() and not Term.objects.exists()
    assert not CalendarOverride.objects.exists()


def test_date_inputs_show_their_value_in_chinese(client, cast):
    client.force_login(cast.admin.user)
    page = client.get(reverse("roster:calendar"), {"month": "2027-10"}).content.decode()
    assert 'value="2027-10-01"' in page  # the 设置某一天 form's day, as a date input reads it


def test_publishing_from_the_week_view_returns_to_that_week(client, cast):
    roster = guessed_draft(cast.school)
    client.force_login(cast.admin.user)
    response = client.post(reverse("roster:publish", args=[roster.pk]),
                           {"calendar_checked": "1", "week": f"{roster.start_date}"})  # fmt: skip
    assert response.status_code == 302 and "/week/?week=" in response["Location"]


def test_a_leader_sees_the_banner_without_the_office_only_link(client, cast):
    roster = guessed_draft(cast.school)
    client.force_login(cast.leader.user)
    page = client.get(reverse("roster:detail", args=[roster.pk])).content.decode()
    assert "calendar-gaps" in page and "/roster/setup/calendar/" not in page
