"""Reads for the "today's duty" board and its wall-screen (kiosk) twin.

A fixed number of queries whatever the size of the school: the shifts, their assignments with
the people (and check-ins, for the leaders' view), the people's roles, and the settings.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch

from roster.checkin import (
    ARRIVE_BEFORE,
    OPENS_BEFORE,
    attendance,
    checkin_of,
    checkin_required,
    window_open,
)
from roster.models import Assignment, RosterStatus, Shift
from roster.reminders import settings_for
from staff.models import Role, School

AHEAD = timedelta(hours=24)
ATTENDANCE_READERS = frozenset({Role.ADMIN, Role.PRINCIPAL, Role.LEADER})
ROLE_ORDER = [value for value, _label in Role.choices]


def board_school_for(actor) -> School:
    """Any staff member sees their own school's board; nobody else has one."""
    if actor.staff is None:
        raise PermissionDenied
    return actor.school


def sees_attendance(actor) -> bool:
    return bool(actor.roles & ATTENDANCE_READERS)


def duty_board(school: School, now: datetime, *, with_attendance: bool = False) -> dict:
    """{"current": [shift rows], "upcoming": [shift rows], "duty_phone": str}: the shifts on
    now, and those starting within 24 hours, each with its people grouped by role."""
    people = Assignment.objects.select_related("staff").prefetch_related("staff__roles")
    if with_attendance:
        people = people.select_related("checkin")
    shifts = list(
        Shift.objects.for_school(school)
        .filter(roster__status=RosterStatus.PUBLISHED, starts_at__lt=now + AHEAD, ends_at__gt=now)
        .select_related("shift_type")
        .prefetch_related(Prefetch("assignments", queryset=people.order_by("staff__name")))
        .order_by("starts_at", "shift_type__start_time")
    )
    settings = settings_for(school) if with_attendance else None
    current, upcoming = [], []
    for shift in shifts:
        row = _shift_row(shift, now, settings)
        (current if shift.starts_at <= now else upcoming).append(row)
    return {"current": current, "upcoming": upcoming, "duty_phone": school.duty_phone}


def _shift_row(shift: Shift, now: datetime, settings) -> dict:
    labels = dict(Role.choices)
    by_role: dict[str, list] = {}
    for assignment in shift.assignments.all():
        entry = {"assignment": assignment, "staff": assignment.staff}
        if settings is not None and shift.starts_at <= now:
            assignment.shift = shift  # attendance reads the shift; it is already here
            entry["state"] = attendance(assignment, now, settings=settings)
            record = checkin_of(assignment)
            entry["checked_in_at"] = record.checked_in_at if record else None
            entry["can_record"] = entry["state"] == "pending" and window_open(shift, now)
        by_role.setdefault(assignment.role, []).append(entry)
    roles = [
        {"role": role, "label": labels[role], "people": by_role[role]}
        for role in ROLE_ORDER
        if role in by_role
    ]
    return {"shift": shift, "roles": roles, "arrive_by": shift.starts_at - ARRIVE_BEFORE}


def my_checkins(staff, now: datetime) -> list[dict]:
    """The person's duties open for check-in now (from an hour before the start to the end).
    Duties that need no check-in (full-time teachers by default) are left out entirely."""
    if staff is None:
        return []
    settings = settings_for(staff.school)
    if not checkin_required(staff.role_codes, settings):
        return []
    rows = (
        Assignment.objects.filter(
            staff=staff,
            shift__roster__status=RosterStatus.PUBLISHED,
            shift__starts_at__lte=now + OPENS_BEFORE,
            shift__ends_at__gt=now,
        )
        .select_related("shift__shift_type", "checkin")
        .order_by("shift__starts_at")
    )
    duties = []
    for assignment in rows:
        assignment.staff = staff
        record = checkin_of(assignment)
        duties.append({
            "assignment": assignment,
            "checked_in_at": record.checked_in_at if record else None,
            "arrive_by": assignment.shift.starts_at - ARRIVE_BEFORE,
        })  # fmt: skip
    return duties
