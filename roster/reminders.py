"""Shift reminders: the evening before and shortly before each duty, as notices with due times.

They are outbox rows scheduled when a roster is published or a published roster changes, so a
restart of anything loses none of them; a removed duty withdraws its pending reminders.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.fanout import notify
from notifications.services import cancel_pending_notices
from roster.models import Assignment, RosterSettings
from roster.timing import localize


def settings_for(school) -> RosterSettings:
    return RosterSettings.objects.filter(school=school).first() or RosterSettings(school=school)


def reminder_times(assignment: Assignment, settings: RosterSettings) -> dict[str, datetime]:
    """{"eve": the evening before at the set time, "soon": N minutes before the start}."""
    shift = assignment.shift
    tz = shift.roster.school.time_zone
    eve_day = shift.date - timedelta(days=1)
    eve = localize(datetime.combine(eve_day, settings.evening_reminder_at), tz)
    soon = shift.starts_at - timedelta(minutes=settings.reminder_minutes_before)
    return {"eve": eve, "soon": soon}


def event_keys(assignment_id: int) -> list[str]:
    return [f"reminder:eve:{assignment_id}", f"reminder:soon:{assignment_id}"]


def schedule_reminders(assignments: list[Assignment], *, now: datetime | None = None) -> int:
    """Publish the reminders still in the future for these assignments (idempotent)."""
    now = now or timezone.now()
    count = 0
    for assignment in assignments:
        staff = assignment.staff
        if not staff.user_id:
            continue
        shift = assignment.shift
        school = shift.roster.school
        local_start = timezone.localtime(shift.starts_at, timezone=_zone(school.time_zone))
        subject = _("Duty reminder: %(shift)s on %(date)s at %(time)s") % {
            "shift": shift.shift_type.name,
            "date": f"{shift.date:%m-%d}",
            "time": f"{local_start:%H:%M}",
        }
        body = _("Please arrive 5 minutes early. Role: %(role)s.") % {
            "role": assignment.get_role_display()
        }
        for kind, due in reminder_times(assignment, settings_for(school)).items():
            if due <= now or due >= shift.starts_at:
                continue
            notify(school=school, recipients=[staff.user], event=f"reminder:{kind}:{assignment.pk}",
                   subject=subject, body=body, due_at=due, now=now)  # fmt: skip
            count += 1
    return count


def withdraw_reminders(assignment_id: int) -> int:
    return cancel_pending_notices(events=event_keys(assignment_id))


def _zone(name: str):
    import zoneinfo

    return zoneinfo.ZoneInfo(name)


def warn_unpublished(*, now: datetime | None = None) -> int:
    """Tell each school's office when the day 7 days ahead has no published roster (the policy:
    publish at least 7 days before the first duty). Once per school per day (idempotent)."""
    from roster.models import Roster, RosterStatus
    from staff.models import Role, School, Staff

    now = now or timezone.now()
    told = 0
    for school in School.objects.all():
        day = timezone.localtime(now, _zone(school.time_zone)).date() + timedelta(days=7)
        covered = Roster.objects.filter(
            school=school, status=RosterStatus.PUBLISHED, start_date__lte=day, end_date__gte=day
        ).exists()
        if covered:
            continue
        office = Staff.objects.for_school(school).active().with_role(Role.ADMIN)
        users = [s.user for s in office.select_related("user") if s.user_id]
        if not users:
            continue
        notify(
            school=school, recipients=users, event=f"roster.unpublished:{school.pk}:{day}",
            subject=_("No published roster for %(date)s yet") % {"date": f"{day:%Y-%m-%d}"},
            body=_("Duty rosters are published at least 7 days ahead."),
            now=now,
        )  # fmt: skip
        told += 1
    return told
