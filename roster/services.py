"""Every write to rosters: shift types, rosters and their shifts, assignments, publishing.

Assignments may be saved with rule violations while a roster is a draft (the editor shows them
as you go); publishing requires a roster without errors. After publishing, every change needs a
reason, is recorded, and the people affected are told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.fanout import notify
from roster.calendar import period_gaps, school_calendar
from roster.models import (
    Assignment,
    DayKind,
    Roster,
    RosterChange,
    RosterSettings,
    RosterStatus,
    Shift,
    ShiftRequirement,
    ShiftType,
)
from roster.queries import build_plan, rule_settings
from roster.reminders import schedule_reminders, withdraw_reminders
from roster.rules import Violation, check
from roster.timing import shift_bounds
from staff.models import Role, School, Staff, User

PUBLISH_LEAD = timedelta(days=7)
MAX_PERIOD_DAYS = 366

DEFAULT_SHIFT_TYPES = [
    # name, start, minutes, weight, day kinds, requirements — from the school duty policy.
    ("白班", time(8), 9 * 60, "1.0", [DayKind.SCHOOL_DAY],
     {Role.LEADER: 1, Role.TEACHER: 2, Role.GUARD: 1}),
    ("夜班", time(17), 15 * 60, "1.5", [DayKind.SCHOOL_DAY], {Role.TEACHER: 1, Role.GUARD: 1}),
    ("节假日值班", time(8), 24 * 60, "2.0", [DayKind.WEEKEND, DayKind.HOLIDAY, DayKind.VACATION],
     {Role.LEADER: 1, Role.GUARD: 2}),
]  # fmt: skip


class RosterError(Exception):
    def __init__(self, message: str, violations: list[Violation] | None = None):
        super().__init__(message)
        self.violations = violations or []


@dataclass
class ChangeResult:
    assignment: Assignment | None
    violations: list[Violation]


def create_default_shift_types(*, school: School) -> list[ShiftType]:
    created = []
    with transaction.atomic():
        for name, start, minutes, weight, kinds, needs in DEFAULT_SHIFT_TYPES:
            shift_type, made = ShiftType.objects.get_or_create(
                school=school,
                name=name,
                defaults={"start_time": start, "duration_minutes": minutes,
                          "weight": Decimal(weight), "day_kinds": [str(k) for k in kinds]},
            )  # fmt: skip
            if made:
                ShiftRequirement.objects.bulk_create(
                    [
                        ShiftRequirement(shift_type=shift_type, role=r, count=n)
                        for r, n in needs.items()
                    ]
                )
                created.append(shift_type)
    return created


def create_roster(
    *, school: School, name: str, start: date, end: date, actor: User | None
) -> Roster:
    """A draft roster with one shift per active shift type on each day whose kind it runs on."""
    if end < start:
        raise ValidationError(_("The last day is before the first day."))
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise ValidationError(_("A roster covers at most one year."))
    if Roster.objects.filter(school=school, start_date__lte=end, end_date__gte=start).exists():
        raise ValidationError(_("Another roster already covers part of this period."))
    types = list(ShiftType.objects.filter(school=school, active=True))
    days = school_calendar(school, start, end)
    with transaction.atomic(durable=True):
        roster = Roster.objects.create(school=school, name=name, start_date=start, end_date=end)
        Shift.objects.bulk_create(_new_shift(roster, day, t) for day, t in _wanted(days, types))
        RosterChange.objects.create(roster=roster, actor=actor, action=RosterChange.Action.CREATED)
    return roster


def _wanted(days: dict, types: list[ShiftType]) -> list[tuple[date, ShiftType]]:
    """The (day, shift type) pairs the calendar asks for, in order: each active type on the
    kinds of day it runs on."""
    return [(day, t) for day in sorted(days) for t in types if days[day].kind in t.day_kinds]


def _new_shift(roster: Roster, day: date, shift_type: ShiftType) -> Shift:
    starts, ends = shift_bounds(
        day, shift_type.start_time, shift_type.duration_minutes, roster.school.time_zone
    )
    return Shift(roster=roster, shift_type=shift_type, date=day, starts_at=starts, ends_at=ends)


@dataclass(frozen=True)
class CalendarMismatch:
    """Where a roster's shifts and the school calendar disagree: shifts the calendar asks for
    that are missing, and shifts of an active type on days it no longer runs on."""

    missing: list[tuple[date, ShiftType]]
    stale: list[Shift]  # with the number of people on each as ``staffed``

    @property
    def days(self) -> list[date]:
        return sorted({d for d, _t in self.missing} | {s.date for s in self.stale})

    def __bool__(self) -> bool:
        return bool(self.missing or self.stale)


def calendar_mismatch(
    roster: Roster, start: date | None = None, end: date | None = None, *, days=None
) -> CalendarMismatch:
    """The roster's disagreement with the calendar from ``start`` to ``end`` (its whole period
    by default). Four queries, two when the caller passes the calendar of the period (``days``
    from ``school_calendar``)."""
    start = max(start or roster.start_date, roster.start_date)
    end = min(end or roster.end_date, roster.end_date)
    types = list(ShiftType.objects.filter(school=roster.school_id, active=True))
    if days is None:
        days = school_calendar(roster.school, start, end)
    wanted = _wanted({d: i for d, i in days.items() if start <= d <= end}, types)
    shifts = (
        Shift.objects.filter(roster=roster, date__range=(start, end), shift_type__in=types)
        .select_related("shift_type")
        .annotate(staffed=Count("assignments"))
    )
    have = {(s.date, s.shift_type_id): s for s in shifts}
    wanted_keys = {(day, t.pk) for day, t in wanted}
    missing = [(day, t) for day, t in wanted if (day, t.pk) not in have]
    stale = [s for key, s in sorted(have.items()) if key not in wanted_keys]
    return CalendarMismatch(missing, stale)


def mismatch_message(mismatch: CalendarMismatch) -> str:
    shown = ", ".join(f"{d:%m-%d}" for d in mismatch.days[:6])
    days = shown + ("…" if len(mismatch.days) > 6 else "")
    return ngettext(
        "On %(count)d day (%(days)s) the shifts no longer match the school calendar: "
        "%(missing)d shifts it asks for are missing and %(stale)d are on a day their type does "
        "not run on.",
        "On %(count)d days (%(days)s) the shifts no longer match the school calendar: "
        "%(missing)d shifts it asks for are missing and %(stale)d are on a day their type does "
        "not run on.",
        len(mismatch.days),
    ) % {"count": len(mismatch.days), "days": days, "missing": len(mismatch.missing),
         "stale": len(mismatch.stale)}  # fmt: skip


def follow_calendar(*, school: School, start: date, end: date) -> int:
    """Draft rosters follow the school calendar: after the kind of a day from ``start`` to
    ``end`` changes (the school's entry for a day, a term), each draft covering it gets the
    shifts the calendar now asks for and loses the empty ones it no longer does. A shift someone
    is already on is kept, and the editor shows it as not matching the calendar, for the office
    to move. Published rosters are never changed here (the editor warns instead). Runs in the
    caller's transaction; returns the number of shifts added and removed."""
    changed = 0
    drafts = Roster.objects.filter(
        school=school, status=RosterStatus.DRAFT, start_date__lte=end, end_date__gte=start
    ).select_related("school")
    for roster in drafts:
        mismatch = calendar_mismatch(roster, start, end)
        Shift.objects.bulk_create(_new_shift(roster, d, t) for d, t in mismatch.missing)
        empty = [s.pk for s in mismatch.stale if not s.staffed]
        Shift.objects.filter(pk__in=empty).delete()
        changed += len(mismatch.missing) + len(empty)
    return changed


def assign_duty(
    *,
    shift: Shift,
    staff: Staff,
    role: str,
    actor: User | None,
    reason: str = "",
    in_batch: bool = False,
    now: datetime | None = None,
) -> ChangeResult:
    """Put ``staff`` on ``shift`` in ``role``; returns the roster's violations afterwards.
    ``in_batch``: the caller holds the transaction (several duties, all or nothing). ``now``:
    the clock the reminders of a published roster's duty are scheduled on (default the real
    one)."""
    roster = shift.roster
    if staff.school_id != roster.school_id:
        raise ValidationError(_("This person belongs to another school."))
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    published = roster.status == RosterStatus.PUBLISHED
    if published and not reason.strip():
        raise ValidationError(_("The roster is published: give a reason for the change."))
    with transaction.atomic(durable=not in_batch):
        Roster.objects.select_for_update().filter(pk=roster.pk).first()  # serialise edits
        if Assignment.objects.filter(shift=shift, staff=staff).exists():
            raise ValidationError(_("%(name)s is already on this shift.") % {"name": staff.name})
        assignment = Assignment.objects.create(shift=shift, staff=staff, role=role)
        RosterChange.objects.create(
            roster=roster, actor=actor, action=RosterChange.Action.ASSIGNED, shift=shift,
            staff=staff, role=role, reason=reason, after_publishing=published,
        )  # fmt: skip
        if published:
            schedule_reminders([assignment], now=now)
            _tell(roster, staff, f"assigned:{assignment.pk}", _("New duty: %(shift)s") % {
                "shift": _shift_label(shift)}, reason, now=now)  # fmt: skip
    return ChangeResult(assignment, check(build_plan(roster), rule_settings(roster.school)))


def unassign_duty(
    *, assignment: Assignment, actor: User | None, reason: str = "", now: datetime | None = None
) -> ChangeResult:
    roster = assignment.shift.roster
    published = roster.status == RosterStatus.PUBLISHED
    if published and not reason.strip():
        raise ValidationError(_("The roster is published: give a reason for the change."))
    with transaction.atomic(durable=True):
        Roster.objects.select_for_update().filter(pk=roster.pk).first()
        RosterChange.objects.create(
            roster=roster, actor=actor, action=RosterChange.Action.UNASSIGNED,
            shift=assignment.shift, staff=assignment.staff, role=assignment.role, reason=reason,
            after_publishing=published,
        )  # fmt: skip
        if published:
            withdraw_reminders(assignment.pk)
            _tell(roster, assignment.staff, f"unassigned:{assignment.pk}",
                  _("Duty cancelled: %(shift)s") % {"shift": _shift_label(assignment.shift)},
                  reason, now=now)  # fmt: skip
        assignment.delete()
    return ChangeResult(None, check(build_plan(roster), rule_settings(roster.school)))


def publish_roster(
    *,
    roster: Roster,
    actor: User | None,
    reason: str = "",
    calendar_checked: bool = False,
    now: datetime | None = None,
) -> Roster:
    """Publish a draft. Refused while it has errors; less than 7 days before its first shift
    only with a written reason; over days the calendar only guesses (holidays not yet official,
    no term entered) only once the publisher confirms checking the school calendar, and how many
    such days there were is recorded. Everyone on it is told."""
    now = now or timezone.now()
    if roster.status != RosterStatus.DRAFT:
        raise RosterError(_("This roster is already published."))
    errors = [v for v in check(build_plan(roster), rule_settings(roster.school)) if v.error]
    if errors:
        raise RosterError(_("Fix the problems listed before publishing."), errors)
    gaps = period_gaps(roster.school, roster.start_date, roster.end_date)
    if gaps and not calendar_checked:
        raise RosterError(
            ngettext(
                "%(count)d day of this period is unverified: tick “I have checked the school "
                "calendar” to publish.",
                "%(count)d days of this period are unverified: tick “I have checked the school "
                "calendar” to publish.",
                gaps.days,
            )
            % {"count": gaps.days}
        )
    first = roster.shifts.order_by("starts_at").values_list("starts_at", flat=True).first()
    late = first is not None and first - now < PUBLISH_LEAD
    if late and not reason.strip():
        raise RosterError(
            _("The first duty is less than 7 days away: give a reason for publishing late.")
        )
    with transaction.atomic(durable=True):
        updated = Roster.objects.filter(pk=roster.pk, status=RosterStatus.DRAFT).update(
            status=RosterStatus.PUBLISHED,
            published_at=now,
            publish_reason=reason.strip(),
            publish_unverified_days=gaps.days,
        )
        if not updated:
            raise RosterError(_("This roster is already published."))
        if gaps:
            checked = _("School calendar checked by the publisher (%(count)d unverified days).") % {
                "count": gaps.days
            }
            reason = f"{reason.strip()} {checked}".strip()
        RosterChange.objects.create(
            roster=roster, actor=actor, action=RosterChange.Action.PUBLISHED, reason=reason
        )
        people = Staff.objects.filter(assignments__shift__roster=roster).distinct()
        notify(
            school=roster.school,
            recipients=[p.user for p in people.select_related("user") if p.user_id],
            event=f"roster.published:{roster.pk}",
            subject=_("Duty roster published: %(name)s") % {"name": roster.name},
            body=_("Your duties are in “My duties”."),
            now=now,
        )
        schedule_reminders(
            list(
                Assignment.objects.filter(shift__roster=roster).select_related(
                    "staff", "shift__shift_type", "shift__roster__school"
                )
            ),
            now=now,
        )
    roster.refresh_from_db()
    return roster


def _shift_label(shift: Shift) -> str:
    local = timezone.localtime(shift.starts_at)
    return f"{shift.date:%Y-%m-%d} {shift.shift_type.name} {local:%H:%M}"


def _tell(
    roster: Roster,
    staff: Staff,
    event: str,
    subject: str,
    reason: str,
    now: datetime | None = None,
) -> None:
    if staff.user_id:
        notify(school=roster.school, recipients=[staff.user], event=f"roster:{event}",
               subject=subject, body=reason, now=now)  # fmt: skip


def undo_last_change(*, roster: Roster, actor: User | None, reason: str = "") -> ChangeResult:
    """Reverse the roster's most recent assignment change (an undo is itself recorded)."""
    last = (
        RosterChange.objects.filter(
            roster=roster,
            action__in=[RosterChange.Action.ASSIGNED, RosterChange.Action.UNASSIGNED],
        )
        .select_related("shift", "staff")
        .order_by("-at", "-pk")
        .first()
    )
    if last is None or last.shift is None or last.staff is None:
        raise ValidationError(_("There is no change to undo."))
    reason = reason or _("Undo")
    if last.action == RosterChange.Action.ASSIGNED:
        assignment = Assignment.objects.filter(shift=last.shift, staff=last.staff).first()
        if assignment is None:
            raise ValidationError(_("There is no change to undo."))
        return unassign_duty(assignment=assignment, actor=actor, reason=reason)
    return assign_duty(shift=last.shift, staff=last.staff, role=last.role, actor=actor,
                       reason=reason)  # fmt: skip


SETTINGS_FIELDS = (
    "rest_hours", "weekly_cap", "teachers_only_on_school_days", "fairness_tolerance",
    "swaps_need_approval", "checkin_enabled", "checkin_for_teachers", "evening_reminder_at",
    "reminder_minutes_before",
)  # fmt: skip


def update_roster_settings(*, school: School, actor, values: dict) -> RosterSettings:
    """Save the school's duty rules (only the known fields; the kiosk token is not one)."""
    if not actor.can_admin(school.pk):
        raise PermissionDenied
    changes = {k: v for k, v in values.items() if k in SETTINGS_FIELDS}
    with transaction.atomic(durable=True):
        row, _created = RosterSettings.objects.select_for_update().get_or_create(school=school)
        for key, value in changes.items():
            setattr(row, key, value)
        row.save(update_fields=list(changes))
    return row
