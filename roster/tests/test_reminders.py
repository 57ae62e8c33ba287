"""Shift reminders: the evening before and an hour before, in the school's time, on time."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from notifications.models import Notice, NoticeStatus
from roster import services
from roster.models import RosterSettings, ShiftType
from roster.reminders import reminder_times, schedule_reminders
from staff.models import Role

pytestmark = pytest.mark.django_db
NOW = datetime.fromisoformat("2026-09-01T09:00+08:00")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00")


@pytest.fixture
def types(cast):
    services.create_default_shift_types(school=cast.school)
    return {t.name: t for t in ShiftType.objects.filter(school=cast.school)}


def assignment_on(cast, day, type_name, staff, role):
    roster = services.create_roster(
        school=cast.school, name=str(day), start=day, end=day, actor=None
    )
    shift = roster.shifts.get(shift_type__name=type_name)
    return services.assign_duty(shift=shift, staff=staff, role=role, actor=None).assignment


@pytest.mark.parametrize(
    ("day", "type_name", "role", "eve", "soon"),
    [
        # A day shift on a school day.
        (date(2026, 12, 7), "白班", Role.TEACHER, "2026-12-06T20:00", "2026-12-07T07:00"),
        # A night shift: reminded the evening before and at 16:00 on the day.
        (date(2026, 12, 7), "夜班", Role.TEACHER, "2026-12-06T20:00", "2026-12-07T16:00"),
        # The first of a month: the evening before is the last day of the previous month.
        (date(2026, 12, 1), "白班", Role.TEACHER, "2026-11-30T20:00", "2026-12-01T07:00"),
        # A duty on the last day of the month, crossing into the next.
        (date(2026, 12, 31), "夜班", Role.TEACHER, "2026-12-30T20:00", "2026-12-31T16:00"),
        # National Day: the 24-hour holiday duty.
        (date(2026, 10, 1), "节假日值班", Role.LEADER, "2026-09-30T20:00", "2026-10-01T07:00"),
    ],
)
def test_reminder_times(cast, types, day, type_name, role, eve, soon):
    staff = cast.leader if role == Role.LEADER else cast.teacher
    assignment = assignment_on(cast, day, type_name, staff, role)
    times = reminder_times(assignment, RosterSettings(school=cast.school))
    assert times == {"eve": local(eve), "soon": local(soon)}


def test_a_school_sets_its_own_reminder_times(cast, types):
    RosterSettings.objects.create(
        school=cast.school, evening_reminder_at=time(19, 30), reminder_minutes_before=30
    )
    assignment = assignment_on(cast, date(2026, 12, 7), "白班", cast.teacher, Role.TEACHER)
    schedule_reminders([assignment], now=NOW)
    dues = sorted(Notice.objects.filter(channel="inapp").values_list("due_at", flat=True))
    assert dues == [local("2026-12-06T19:30"), local("2026-12-07T07:30")]


def test_reminders_already_past_are_not_sent(cast, types):
    assignment = assignment_on(cast, date(2026, 12, 7), "白班", cast.teacher, Role.TEACHER)
    assert schedule_reminders([assignment], now=local("2026-12-06T21:00")) == 1
    assert list(Notice.objects.values_list("event", flat=True)) == [
        f"reminder:soon:{assignment.pk}"
    ]


def test_publishing_schedules_reminders_once_and_removing_a_duty_withdraws_them(cast, types):
    roster = services.create_roster(
        school=cast.school, name="W", start=date(2026, 12, 7), end=date(2026, 12, 7), actor=None
    )
    shift = roster.shifts.get(shift_type__name="夜班")
    first = services.assign_duty(shift=shift, staff=cast.teacher, role=Role.TEACHER, actor=None)
    services.assign_duty(shift=shift, staff=cast.guard, role=Role.GUARD, actor=None)
    # Only the night shift is staffed; the rest of the day stays a draft problem we accept here.
    roster.shifts.exclude(pk=shift.pk).delete()
    services.publish_roster(
        roster=roster, actor=cast.admin.user, now=local("2026-11-28T10:00"), calendar_checked=True
    )
    reminders = Notice.objects.filter(event__startswith="reminder:")
    assert reminders.count() == 4  # two people × two reminders, in-app
    schedule_reminders([first.assignment], now=local("2026-11-28T10:00"))
    assert reminders.count() == 4  # idempotent
    services.unassign_duty(assignment=first.assignment, actor=cast.admin.user, reason="调休",
                           now=local("2026-11-28T10:00"))  # fmt: skip
    withdrawn = reminders.filter(recipient=cast.teacher.user)
    assert set(withdrawn.values_list("status", flat=True)) == {NoticeStatus.CANCELLED}


def test_the_office_is_told_once_a_day_when_the_day_a_week_ahead_is_unpublished(cast, types):
    from roster.reminders import warn_unpublished

    now = local("2026-11-30T09:00")
    assert warn_unpublished(now=now) == 2  # both schools of the cast have an office
    warn_unpublished(now=now)
    told = Notice.objects.filter(recipient=cast.admin.user, event__startswith="roster.unpublished")
    assert told.count() == 1
    assert "2026-12-07" in told.get().subject
    roster = services.create_roster(school=cast.school, name="12月", start=date(2026, 12, 7),
                                    end=date(2026, 12, 7), actor=None)  # fmt: skip
    roster.status = "published"
    roster.save(update_fields=["status"])
    assert warn_unpublished(now=now) == 1  # only school B is still unpublished


def test_a_duty_moved_away_and_back_gets_its_reminders_again(cast, types):
    from roster.reminders import withdraw_reminders

    assignment = assignment_on(cast, date(2026, 12, 7), "白班", cast.teacher, Role.TEACHER)
    assert schedule_reminders([assignment], now=NOW) == 2
    withdraw_reminders(assignment.pk)
    assert schedule_reminders([assignment], now=NOW) == 2
    live = Notice.objects.filter(event__startswith="reminder:").exclude(
        status=NoticeStatus.CANCELLED
    )
    assert live.count() == 2
