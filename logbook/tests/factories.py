"""Rosters and duties for logbook tests: a published roster with 白班 and 夜班 on a few days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from roster import services
from roster.models import Roster, RosterStatus, Shift, ShiftRequirement, ShiftType
from roster.timing import localize
from staff.models import Role

ALL_DAYS = ["school_day", "weekend", "holiday", "vacation"]
DAY = date(2026, 12, 8)  # a Tuesday in term


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware moment on ``day`` in Shanghai."""
    return localize(datetime.combine(day, time(hour, minute)), "Asia/Shanghai")


def make_roster(school, *, start: date = DAY - timedelta(days=1), days: int = 3) -> Roster:
    """白班 08:00–17:00 and 夜班 17:00–08:00 on ``days`` days from ``start``, published, with one
    leader, guard and teacher required per shift (nobody assigned yet)."""
    for name, hour, minutes in (("白班", 8, 540), ("夜班", 17, 900)):
        shift_type, created = ShiftType.objects.get_or_create(
            school=school,
            name=name,
            defaults={"start_time": time(hour), "duration_minutes": minutes, "day_kinds": ALL_DAYS},
        )
        if created:
            for role in (Role.LEADER, Role.GUARD, Role.TEACHER):
                ShiftRequirement.objects.create(shift_type=shift_type, role=role, count=1)
    roster = services.create_roster(
        school=school,
        name=f"{start:%m}月",
        start=start,
        end=start + timedelta(days=days - 1),
        actor=None,
    )
    roster.status = RosterStatus.PUBLISHED
    roster.save(update_fields=["status"])
    return roster


def shift_of(roster: Roster, name: str = "白班", day: date = DAY) -> Shift:
    return roster.shifts.select_related("roster__school", "shift_type").get(
        shift_type__name=name, date=day
    )


def put_on_duty(shift: Shift, *people_roles) -> Shift:
    """Assign (staff, role) pairs to ``shift``: put_on_duty(s, (cast.teacher, Role.TEACHER))."""
    for member, role in people_roles:
        services.assign_duty(shift=shift, staff=member, role=role, actor=None, reason="排班")
    return shift


def staffed_shift(cast, name: str = "白班", day: date = DAY, roster: Roster | None = None) -> Shift:
    """A shift of school A with cast.leader, cast.teacher and cast.guard on duty."""
    roster = roster or make_roster(cast.school)
    shift = shift_of(roster, name, day)
    return put_on_duty(
        shift, (cast.leader, Role.LEADER), (cast.teacher, Role.TEACHER), (cast.guard, Role.GUARD)
    )
