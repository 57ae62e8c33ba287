"""The office's set-up of duties: shift types and their staffing, duty-model presets, terms,
per-day calendar overrides, and carrying a whole 值周 week.

Changing a shift type changes the rosters created afterwards: existing rosters keep the shifts
(and times) they were created with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roster import services
from roster.models import CalendarOverride, DayKind, Roster, ShiftRequirement, ShiftType, Term
from staff.models import Role, School, Staff

MAX_MINUTES = 24 * 60
ALL_KINDS = [DayKind.SCHOOL_DAY, DayKind.WEEKEND, DayKind.HOLIDAY, DayKind.VACATION]
WEEK_DUTY = "值周"


@dataclass(frozen=True)
class Preset:
    key: str
    name: str
    explanation: str
    # name, start, minutes, weight, day kinds, requirements
    types: tuple


PRESETS = {
    p.key: p
    for p in [
        Preset("standard", gettext_lazy("Policy standard (白班 / 夜班 / 节假日值班)"),
               gettext_lazy("Day duty 08:00–17:00 and night duty 17:00–08:00 on school days; "
                            "a 24-hour holiday duty on weekends, holidays and vacations."),
               tuple(services.DEFAULT_SHIFT_TYPES)),
        Preset("day24", gettext_lazy("24-hour duty day (24小时值班)"),
               gettext_lazy("One duty from 08:00 to 08:00 the next morning, on every kind of "
                            "day."),
               (("24小时值班", time(8), MAX_MINUTES, "2.0", ALL_KINDS,
                 {Role.LEADER: 1, Role.GUARD: 1}),)),
        Preset("overnight", gettext_lazy("Overnight duty (值宿)"),
               gettext_lazy("For boarding schools: a night in school from 20:00 to 07:00 on "
                            "school days."),
               (("值宿", time(20), 11 * 60, "1.5", [DayKind.SCHOOL_DAY], {Role.TEACHER: 1}),)),
        Preset("week", gettext_lazy("Week-long duty (值周)"),
               gettext_lazy("A 值周 duty 08:00 + 24 h on every kind of day, so one person can "
                            "carry a whole week including the weekend. Use “Assign a week” "
                            "below; the rest rule and the weekly cap in the duty settings must "
                            "allow it (rest 0 hours, at least 7 duties a week)."),
               ((WEEK_DUTY, time(8), MAX_MINUTES, "1.0", ALL_KINDS, {Role.LEADER: 1}),)),
    ]
}  # fmt: skip


def _check_admin(actor, school: School) -> None:
    if not actor.can_admin(school.pk):
        raise PermissionDenied


def _clean_requirements(requirements: dict[str, int]) -> dict[str, int]:
    clean = {}
    for role, count in requirements.items():
        if role not in Role.values:
            raise ValidationError(_("Unknown role."))
        if count is None or count < 0 or count > 50:
            raise ValidationError(_("A role needs between 0 and 50 people."))
        if count:
            clean[role] = count
    return clean


def save_shift_type(
    *,
    actor,
    school: School,
    shift_type: ShiftType | None = None,
    name: str,
    start_time: time,
    duration_minutes: int,
    weight: Decimal,
    day_kinds: list[str],
    active: bool = True,
    requirements: dict[str, int],
) -> ShiftType:
    """Create or change a shift type and its staffing. Existing rosters keep their shifts."""
    _check_admin(actor, school)
    if shift_type is not None and shift_type.school_id != school.pk:
        raise PermissionDenied
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the shift type a name."))
    if duration_minutes is None or duration_minutes < 1:
        raise ValidationError(_("A shift must last at least one minute."))
    if duration_minutes > MAX_MINUTES:
        raise ValidationError(
            _("A shift lasts at most 24 hours (08:00 + 24 h is a 24-hour duty day).")
        )
    if weight is None or weight < Decimal("0.1") or weight >= 100:
        raise ValidationError(_("The load weight is between 0.1 and 99.99."))
    kinds = [str(k) for k in DayKind if k in day_kinds]
    if not kinds or len(kinds) != len(set(day_kinds)):
        raise ValidationError(_("Choose the kinds of day the shift runs on."))
    needs = _clean_requirements(requirements)
    taken = ShiftType.objects.filter(school=school, name=name)
    if shift_type is not None:
        taken = taken.exclude(pk=shift_type.pk)
    if taken.exists():
        raise ValidationError(_("This school already has a shift type with that name."))
    with transaction.atomic(durable=True):
        row = shift_type or ShiftType(school=school)
        row.name, row.start_time, row.duration_minutes = name, start_time, duration_minutes
        row.weight, row.day_kinds, row.active = weight, kinds, active
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError as exc:
            raise ValidationError(
                _("This school already has a shift type with that name.")
            ) from exc
        ShiftRequirement.objects.filter(shift_type=row).delete()
        ShiftRequirement.objects.bulk_create(
            [ShiftRequirement(shift_type=row, role=r, count=n) for r, n in needs.items()]
        )
    return row


def deactivate_shift_type(*, actor, shift_type: ShiftType) -> ShiftType:
    """New rosters no longer get this shift; existing rosters keep theirs."""
    _check_admin(actor, shift_type.school)
    ShiftType.objects.filter(pk=shift_type.pk).update(active=False)
    shift_type.active = False
    return shift_type


def apply_preset(*, actor, school: School, key: str) -> list[ShiftType]:
    """Add a duty model's shift types; those already there (by name) are left as they are, so
    applying a preset twice changes nothing. Returns the shift types created."""
    _check_admin(actor, school)
    preset = PRESETS.get(key)
    if preset is None:
        raise ValidationError(_("Unknown duty model."))
    created = []
    with transaction.atomic(durable=True):
        for name, start, minutes, weight, kinds, needs in preset.types:
            row, made = ShiftType.objects.get_or_create(
                school=school,
                name=name,
                defaults={"start_time": start, "duration_minutes": minutes,
                          "weight": Decimal(weight), "day_kinds": [str(k) for k in kinds]},
            )  # fmt: skip
            if made:
                ShiftRequirement.objects.bulk_create(
                    [ShiftRequirement(shift_type=row, role=r, count=n) for r, n in needs.items()]
                )
                created.append(row)
    return created


def save_term(
    *, actor, school: School, term: Term | None = None, name: str, start: date, end: date
) -> Term:
    """Create or change a term; terms of one school may not overlap."""
    _check_admin(actor, school)
    if term is not None and term.school_id != school.pk:
        raise PermissionDenied
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the term a name."))
    if end < start:
        raise ValidationError(_("The last day is before the first day."))
    with transaction.atomic(durable=True):
        School.objects.select_for_update().filter(pk=school.pk).first()  # serialise terms
        others = Term.objects.filter(school=school, start_date__lte=end, end_date__gte=start)
        if term is not None:
            others = others.exclude(pk=term.pk)
        clash = others.first()
        if clash is not None:
            raise ValidationError(
                _("This overlaps the term “%(name)s” (%(start)s – %(end)s).")
                % {"name": clash.name, "start": clash.start_date, "end": clash.end_date}
            )
        row = term or Term(school=school)
        row.name, row.start_date, row.end_date = name, start, end
        row.save()
        # Terms decide term or vacation, and how far the known school year reaches: the drafts
        # follow over the old and the new dates (and all of them, as "no term known" may flip).
        services.follow_calendar(school=school, start=date.min, end=date.max)
    return row


def delete_term(*, actor, term: Term) -> None:
    _check_admin(actor, term.school)
    with transaction.atomic(durable=True):
        term.delete()
        services.follow_calendar(school=term.school, start=date.min, end=date.max)


def set_day_override(*, actor, school: School, day: date, kind: str, note: str = "") -> None:
    """The school's word on one day (e.g. 调休 or a sports day) beats the official calendar;
    draft rosters covering the day follow it."""
    _check_admin(actor, school)
    if kind not in DayKind.values:
        raise ValidationError(_("Choose the kind of day."))
    with transaction.atomic(durable=True):
        CalendarOverride.objects.update_or_create(
            school=school, date=day, defaults={"kind": kind, "note": note.strip()[:100]}
        )
        services.follow_calendar(school=school, start=day, end=day)


def clear_day_override(*, actor, school: School, day: date) -> None:
    _check_admin(actor, school)
    with transaction.atomic(durable=True):
        CalendarOverride.objects.filter(school=school, date=day).delete()
        services.follow_calendar(school=school, start=day, end=day)


def week_shifts(roster: Roster, day: date):
    """The roster's 值周 shifts in the ISO week (Monday to Sunday) of ``day``."""
    monday = day - timedelta(days=day.weekday())
    return list(
        roster.shifts.filter(
            shift_type__name=WEEK_DUTY, date__range=(monday, monday + timedelta(days=6))
        )
        .select_related("shift_type", "roster__school")
        .order_by("date")
    )


def assign_week_duty(
    *, actor, roster: Roster, staff: Staff, day: date, role: str = Role.LEADER, reason: str = ""
) -> list:
    """Put ``staff`` on every 值周 shift of the ISO week of ``day``, all or nothing: each duty
    goes through ``services.assign_duty`` (rules-checked and recorded); when the rules engine
    reports an error for this person on any of them, nothing is saved and its messages are
    raised."""
    _check_admin(actor, roster.school)
    shifts = week_shifts(roster, day)
    if not shifts:
        raise ValidationError(_("This roster has no 值周 shifts in that week."))
    ids = {s.pk for s in shifts}
    with transaction.atomic(durable=True):
        result = None
        for shift in shifts:
            result = services.assign_duty(
                shift=shift, staff=staff, role=role, actor=actor.user, reason=reason, in_batch=True
            )
        problems = [
            v.message
            for v in result.violations
            if v.error and v.person_id == staff.pk and (v.shift_id is None or v.shift_id in ids)
        ]
        if problems:  # raising rolls the whole week back
            raise ValidationError(problems)
    return result.violations
