"""Check-in on duty: the one write (a time of arrival) and the states derived from it.

It records a time only — no location, no photo. MOE 2025 guidance forbids mandatory app
check-in for full-time teachers, so unless the school switches it on for them, they have no
check-in at all. On time, late and absent are derived from the time and the shift, never stored.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from roster.models import Assignment, CheckIn, RosterSettings, RosterStatus, Shift
from roster.reminders import settings_for
from roster.rules import PersonInfo
from staff.models import Role, School, Staff

OPENS_BEFORE = timedelta(minutes=60)  # check-in opens an hour before the start
ARRIVE_BEFORE = timedelta(minutes=5)  # the policy: arrive 5 minutes before the start
MISSED_LOOKBACK = timedelta(hours=12)
RECORDERS = frozenset({Role.ADMIN, Role.LEADER})  # may record an arrival for someone else

ON_TIME, LATE, ABSENT, PENDING, NOT_REQUIRED = (
    "on_time",
    "late",
    "absent",
    "pending",
    "not_required",
)


def checkin_required(roles, settings: RosterSettings) -> bool:
    if not settings.checkin_enabled:
        return False
    full_time_teacher = PersonInfo(0, "", frozenset(roles)).full_time_teacher
    return settings.checkin_for_teachers or not full_time_teacher


def checkin_of(assignment: Assignment) -> CheckIn | None:
    try:
        return assignment.checkin
    except CheckIn.DoesNotExist:
        return None


def attendance(
    assignment: Assignment, now: datetime, *, settings: RosterSettings | None = None
) -> str:
    """on_time | late | absent | pending | not_required, for this assignment at ``now``."""
    shift = assignment.shift
    settings = settings or settings_for(shift.roster.school)
    if not checkin_required(assignment.staff.role_codes, settings):
        return NOT_REQUIRED
    checkin = checkin_of(assignment)
    if checkin is not None:
        return ON_TIME if checkin.checked_in_at <= shift.starts_at - ARRIVE_BEFORE else LATE
    return ABSENT if now >= shift.ends_at else PENDING


def window_open(shift: Shift, now: datetime) -> bool:
    return shift.starts_at - OPENS_BEFORE <= now < shift.ends_at


def may_record_for(actor, assignment: Assignment) -> bool:
    if actor.staff is not None and actor.staff.pk == assignment.staff_id:
        return True
    return bool(actor.roles & RECORDERS) and assignment.staff.school_id in actor.school_ids


def get_assignment_for_checkin(actor, pk: int) -> Assignment:
    """A duty in a published roster of the actor's school, or 404."""
    assignment = (
        Assignment.objects.select_related("shift__roster__school", "staff", "checkin")
        .prefetch_related("staff__roles")
        .filter(pk=pk, shift__roster__school__in=actor.school_ids,
                shift__roster__status=RosterStatus.PUBLISHED)
        .first()
    )  # fmt: skip
    if assignment is None:
        raise Http404
    return assignment


def check_in(*, assignment: Assignment, actor, now: datetime | None = None) -> CheckIn:
    """Record that the person on duty has arrived. A second check-in keeps the first time."""
    now = now or timezone.now()
    if not may_record_for(actor, assignment):
        raise PermissionDenied
    shift = assignment.shift
    if not checkin_required(assignment.staff.role_codes, settings_for(shift.roster.school)):
        raise ValidationError(_("Check-in is not used for this duty."))
    existing = CheckIn.objects.filter(assignment=assignment).first()
    if existing is not None:
        return existing
    if not window_open(shift, now):
        raise ValidationError(
            _("Check-in opens an hour before the duty starts and closes when it ends.")
        )
    with transaction.atomic(durable=True):
        # The one-to-one column makes a concurrent double tap a no-op, not a second row.
        checkin, _created = CheckIn.objects.get_or_create(
            assignment=assignment, defaults={"checked_in_at": now, "recorded_by": actor.user}
        )
    return checkin


# ---- missed check-ins ---------------------------------------------------------------------------


def duty_leaders(shift: Shift, *, exclude: Staff) -> list:
    """Users of the duty leaders on duty when ``shift`` starts, else the school's leaders."""
    school = shift.roster.school
    on_duty = Staff.objects.filter(
        assignments__role=Role.LEADER,
        assignments__shift__roster__school=school,
        assignments__shift__roster__status=RosterStatus.PUBLISHED,
        assignments__shift__starts_at__lte=shift.starts_at,
        assignments__shift__ends_at__gt=shift.starts_at,
    )
    for rows in (on_duty, Staff.objects.for_school(school).with_role(Role.LEADER)):
        users = [
            s.user
            for s in rows.active().exclude(pk=exclude.pk).select_related("user").distinct()
            if s.user_id
        ]
        if users:
            return users
    return []


def notify_missed_checkins(*, now: datetime | None = None) -> int:
    """Tell the duty leader about each duty that started in the last 12 hours without a
    check-in. Once per duty: the event key makes a second run add nothing."""
    from notifications.fanout import notify

    now = now or timezone.now()
    missed = (
        Assignment.objects.filter(
            shift__roster__status=RosterStatus.PUBLISHED,
            shift__starts_at__lte=now,
            shift__starts_at__gt=now - MISSED_LOOKBACK,
            checkin__isnull=True,
        )
        .select_related("shift__roster__school", "shift__shift_type", "staff")
        .prefetch_related("staff__roles")
        .order_by("shift__starts_at", "pk")
    )
    settings: dict[int, RosterSettings] = {}
    told = 0
    for assignment in missed:
        shift, school = assignment.shift, assignment.shift.roster.school
        if school.pk not in settings:
            settings[school.pk] = settings_for(school)
        if not checkin_required(assignment.staff.role_codes, settings[school.pk]):
            continue
        leaders = duty_leaders(shift, exclude=assignment.staff)
        if not leaders:
            continue
        start = timezone.localtime(shift.starts_at, timezone=zone_of(school.time_zone))
        notify(
            school=school, recipients=leaders, event=f"checkin.missed:{assignment.pk}",
            subject=_("No check-in: %(name)s, %(shift)s %(date)s %(time)s") % {
                "name": assignment.staff.name, "shift": shift.shift_type.name,
                "date": f"{shift.date:%m-%d}", "time": f"{start:%H:%M}"},
            body=_("%(name)s (%(phone)s) has not checked in for their duty as %(role)s.") % {
                "name": assignment.staff.name, "phone": assignment.staff.phone,
                "role": assignment.get_role_display()},
            url=reverse("roster:today"),
            now=now,
        )  # fmt: skip
        told += 1
    return told


def zone_of(name: str):
    import zoneinfo

    return zoneinfo.ZoneInfo(name)


# ---- the kiosk token ----------------------------------------------------------------------------


def rotate_kiosk_token(*, school: School, actor) -> str:
    """A new secret for the wall-screen URL; the old URL stops working at once."""
    if not actor.can_admin(school.pk):
        raise PermissionDenied
    with transaction.atomic(durable=True):
        row, _created = RosterSettings.objects.select_for_update().get_or_create(school=school)
        row.kiosk_token = secrets.token_urlsafe(32)
        row.save(update_fields=["kiosk_token"])
    return row.kiosk_token


def school_for_kiosk_token(token: str) -> School:
    """The school whose wall-screen token this is, or 404 (an empty token never matches)."""
    if not token:
        raise Http404
    row = (
        RosterSettings.objects.exclude(kiosk_token="")
        .filter(kiosk_token=token)
        .select_related("school")
        .first()
    )
    if row is None or not hmac.compare_digest(row.kiosk_token.encode(), token.encode()):
        raise Http404
    return row.school
