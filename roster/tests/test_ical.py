"""The per-person iCalendar feed: valid RFC 5545, right time zones, only published duties."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core import signing
from icalendar import Calendar

from roster import services
from roster.ical import feed_token, person_calendar, staff_for_feed_token
from roster.models import Assignment, Roster, RosterStatus, Shift
from staff.models import Role, School

pytestmark = pytest.mark.django_db
NOW = datetime.fromisoformat("2026-11-28T10:00+08:00")


def roster_for(school, start, end, *, published: bool) -> Roster:
    roster = services.create_roster(
        school=school, name=f"{start:%Y年%m月}", start=start, end=end, actor=None
    )
    if published:
        Roster.objects.filter(pk=roster.pk).update(status=RosterStatus.PUBLISHED)
    return roster


def duty(roster, day, type_name, staff, role) -> Assignment:
    shift = Shift.objects.get(roster=roster, date=day, shift_type__name=type_name)
    return Assignment.objects.create(shift=shift, staff=staff, role=role)


@pytest.fixture
def duties(cast):
    School.objects.filter(pk=cast.school.pk).update(duty_phone="0571-88880000")
    cast.school.refresh_from_db()
    services.create_default_shift_types(school=cast.school)
    december = roster_for(cast.school, date(2026, 12, 1), date(2026, 12, 31), published=True)
    january = roster_for(cast.school, date(2027, 1, 4), date(2027, 1, 8), published=False)
    return {
        "day": duty(december, date(2026, 12, 1), "白班", cast.teacher, Role.TEACHER),
        "night": duty(december, date(2026, 12, 2), "夜班", cast.teacher, Role.TEACHER),
        "leader": duty(december, date(2026, 12, 2), "白班", cast.leader, Role.LEADER),
        "draft": duty(january, date(2027, 1, 4), "白班", cast.teacher, Role.TEACHER),
    }


def parse(content: bytes) -> Calendar:
    assert content.startswith(b"BEGIN:VCALENDAR")
    return Calendar.from_ical(content)


def test_the_feed_parses_and_has_the_published_duties_with_the_schools_time_zone(cast, duties):
    cal = parse(person_calendar(cast.teacher, now=NOW))
    assert str(cal["VERSION"]) == "2.0" and cal["PRODID"]
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {
        f"assignment-{duties['day'].pk}@dutyschool",
        f"assignment-{duties['night'].pk}@dutyschool",
    }  # the draft's duty is not there
    night = events[f"assignment-{duties['night'].pk}@dutyschool"]
    shift = duties["night"].shift
    assert night["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert night["DTEND"].params["TZID"] == "Asia/Shanghai"
    assert night.decoded("DTSTART") == shift.starts_at
    assert night.decoded("DTEND") == shift.ends_at
    assert night.decoded("DTSTART").hour == 17 and night.decoded("DTEND").hour == 8
    assert str(night["SUMMARY"]) == "值班：夜班（值班教师）"
    assert str(night["LOCATION"]) == cast.school.name
    description = str(night["DESCRIPTION"])
    assert cast.leader.name in description and cast.leader.phone in description
    assert "0571-88880000" in description
    assert "DTSTAMP" in night
    (alarm,) = night.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -timedelta(hours=1)
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {"Asia/Shanghai"}


def test_uids_stay_the_same_from_one_download_to_the_next(cast, duties):
    first = {str(e["UID"]) for e in parse(person_calendar(cast.teacher, now=NOW)).walk("VEVENT")}
    again = {str(e["UID"]) for e in parse(person_calendar(cast.teacher, now=NOW)).walk("VEVENT")}
    assert first == again


def test_duties_older_than_sixty_days_drop_out(cast, duties):
    later = datetime.fromisoformat("2027-01-31T10:00+08:00")  # 12-02 night ended 60 days ago
    uids = {str(e["UID"]) for e in parse(person_calendar(cast.teacher, now=later)).walk("VEVENT")}
    assert uids == {f"assignment-{duties['night'].pk}@dutyschool"}


def test_an_empty_feed_is_still_a_valid_calendar(cast, duties):
    cal = parse(person_calendar(cast.guard, now=NOW))
    assert cal.walk("VEVENT") == []


def test_a_school_elsewhere_gets_its_own_zone_and_local_wall_times(cast):
    School.objects.filter(pk=cast.school.pk).update(time_zone="Europe/Berlin")
    cast.school.refresh_from_db()
    services.create_default_shift_types(school=cast.school)
    roster = roster_for(cast.school, date(2026, 3, 27), date(2026, 3, 31), published=True)
    # The night of 28→29 March crosses the spring-forward change: 17:00 to 08:00 local.
    a = duty(roster, date(2026, 3, 27), "白班", cast.teacher, Role.TEACHER)
    event = parse(person_calendar(cast.teacher, now=NOW.replace(month=3, day=1))).walk("VEVENT")[0]
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTSTART") == a.shift.starts_at
    assert event.decoded("DTSTART").hour == 8


def test_feed_tokens_find_their_person_and_nothing_else(cast):
    token = feed_token(cast.teacher)
    assert staff_for_feed_token(token) == cast.teacher
    assert feed_token(cast.teacher) == token  # stable: the subscription URL keeps working
    assert feed_token(cast.guard) != token
    pk, signature = token.split(".", 1)
    assert staff_for_feed_token(f"{cast.guard.pk}.{signature}") is None  # forged
    assert staff_for_feed_token(token[:-2] + "xx") is None
    assert staff_for_feed_token("") is None
    assert staff_for_feed_token("garbage") is None
    other_salt = signing.Signer(salt="other", sep=".", algorithm="sha256").sign(pk)
    assert staff_for_feed_token(other_salt) is None
    cast.teacher.active = False
    cast.teacher.save()
    assert staff_for_feed_token(token) is None
