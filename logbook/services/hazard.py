"""Writes for the logbook's hazard sub-domain: report, assign, fix, verify, close out (销号),
photos, and the overdue notices.

Who may do what: anyone on the school's staff reports; an admin, duty leader or the principal
assigns; the responsible person (or an admin) marks it fixed; a leader, the principal or an
admin who did not fix it verifies and closes it out. Each transition is a conditional UPDATE on
the old status (a double tap or two people at once change it once) plus a HazardEvent row.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logbook.models import (
    DueKind,
    Hazard,
    HazardCategory,
    HazardEvent,
    HazardStatus,
    PatrolResult,
    ResultStatus,
    Severity,
)
from logbook.services.patrol import save_photos
from logbook.uploads import CleanImage, atomic_with_files
from notifications.fanout import notify
from staff.models import Role, School, Staff

MANAGERS = (Role.ADMIN, Role.LEADER, Role.PRINCIPAL)  # assign, verify, close out
ESCALATE_AFTER = timedelta(days=3)  # overdue this long: the office and leaders are told too
AREA_CATEGORIES = {
    "教学办公生活用房": HazardCategory.BUILDING, "宿舍": HazardCategory.BUILDING,
    "门窗门锁": HazardCategory.BUILDING, "围墙校门": HazardCategory.BUILDING,
    "宣传栏悬挂物": HazardCategory.BUILDING, "水电管网井盖": HazardCategory.BUILDING,
    "消防": HazardCategory.FIRE, "安全出口": HazardCategory.FIRE,
    "用电": HazardCategory.ELECTRIC, "监控报警": HazardCategory.ELECTRIC,
    "运动场": HazardCategory.SPORTS, "食堂": HazardCategory.CANTEEN,
    "校园周边": HazardCategory.SURROUNDINGS,
}  # fmt: skip


def local_date(moment: datetime, school: School) -> date:
    return moment.astimezone(zoneinfo.ZoneInfo(school.time_zone)).date()


def can_manage(actor, hazard: Hazard) -> bool:
    return actor.has_any(*MANAGERS) and hazard.school_id in actor.school_ids


def can_fix(actor, hazard: Hazard) -> bool:
    if actor.staff is None or hazard.school_id not in actor.school_ids:
        return False
    return hazard.responsible_id == actor.staff.pk or actor.can_admin(hazard.school_id)


def can_verify(actor, hazard: Hazard) -> bool:
    return can_manage(actor, hazard) and actor.staff.pk != hazard.fixed_by_id


def _staff_of(actor, school_id: int) -> Staff:
    if actor.staff is None or actor.staff.school_id != school_id:
        raise PermissionDenied
    return actor.staff


def _log(hazard: Hazard, action: str, actor_staff: Staff | None, now: datetime, note: str = ""):
    HazardEvent.objects.create(hazard=hazard, at=now, actor=actor_staff, action=action, note=note)


def _next_number(school: School, year: int) -> int:
    # The school row is the lock: two reports at once get consecutive numbers, not a clash.
    School.objects.select_for_update().filter(pk=school.pk).first()
    last = Hazard.objects.filter(school=school, year=year).aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


def report_hazard(
    *,
    school: School,
    location: str,
    description: str,
    category: str = HazardCategory.OTHER,
    severity: str = Severity.GENERAL,
    interim_protection: str = "",
    photos: Iterable[CleanImage] = (),
    source_result: PatrolResult | None = None,
    actor,
    now: datetime | None = None,
) -> Hazard:
    now = now or timezone.now()
    staff = _staff_of(actor, school.pk)
    year = local_date(now, school).year
    with atomic_with_files() as stored:
        hazard = Hazard.objects.create(
            school=school, year=year, number=_next_number(school, year), found_at=now,
            found_by=staff, location=location, description=description, category=category,
            severity=severity, interim_protection=interim_protection,
            source_result=source_result,
            due_kind=DueKind.IMMEDIATE if severity == Severity.MAJOR else DueKind.DEADLINE,
        )  # fmt: skip
        save_photos(
            photos=photos, school_id=school.pk, staff=staff, now=now, stored=stored, hazard=hazard
        )
        if source_result is not None:
            # The problem item's photos are the hazard's first evidence: linked, not copied.
            source_result.photos.filter(hazard__isnull=True).update(hazard=hazard)
        _log(hazard, HazardEvent.Action.REPORTED, staff, now)
        if severity == Severity.MAJOR:
            _tell_managers(hazard, now, event=f"hazard-major:{hazard.pk}", urgent=True,
                           subject=_("Major hazard reported: %(location)s")
                           % {"location": hazard.location})  # fmt: skip
    return hazard


def open_hazard_from_result(*, result: PatrolResult, actor, now: datetime | None = None) -> Hazard:
    """One tap on a problem item: a hazard prefilled from it (location, description, photos),
    recording the item as its source. Tapping again returns the same hazard."""
    existing = Hazard.objects.filter(source_result=result).first()
    if existing is not None:
        return existing
    if result.status != ResultStatus.PROBLEM:
        raise ValidationError(_("Only a problem item can open a hazard."))
    checkpoint = result.item.checkpoint
    description = result.item.text + (f"：{result.note}" if result.note else "")
    return report_hazard(
        school=result.round.school,
        location=str(checkpoint),
        description=description,
        category=AREA_CATEGORIES.get(checkpoint.area, HazardCategory.OTHER),
        source_result=result,
        actor=actor,
        now=now,
    )


def _transition(hazard: Hazard, old: tuple[str, ...], **changes) -> None:
    """Apply ``changes`` only if the hazard is still in one of the ``old`` states."""
    if not Hazard.objects.filter(pk=hazard.pk, status__in=old).update(**changes):
        raise ValidationError(_("This hazard was changed by someone else; reload the page."))
    for field, value in changes.items():
        setattr(hazard, field, value)


def assign_hazard(
    *,
    hazard: Hazard,
    responsible: Staff,
    department: str = "",
    due_kind: str = DueKind.DEADLINE,
    due_date: date | None = None,
    measures: str = "",
    interim_protection: str = "",
    severity: str | None = None,
    category: str | None = None,
    reported_up: bool | None = None,
    actor,
    now: datetime | None = None,
) -> Hazard:
    """Name who fixes it and by when (立即 = today). Re-assigning an assigned hazard is
    allowed (a new person or date), and recorded like the first assignment."""
    now = now or timezone.now()
    if not can_manage(actor, hazard):
        raise PermissionDenied
    if responsible.school_id != hazard.school_id or not responsible.active:
        raise ValidationError(_("The responsible person must be active staff of this school."))
    today = local_date(now, hazard.school)
    if due_kind == DueKind.IMMEDIATE:
        due_date = today
    if due_date is None:
        raise ValidationError(_("Give a due date, or choose “immediately”."))
    if due_date < today:
        raise ValidationError(_("The due date cannot be in the past."))
    changes = {
        "status": HazardStatus.ASSIGNED, "responsible": responsible, "department": department,
        "due_kind": due_kind, "due_date": due_date, "measures": measures,
        "interim_protection": interim_protection or hazard.interim_protection,
        "assigned_at": now, "assigned_by": actor.staff,
        "severity": severity or hazard.severity, "category": category or hazard.category,
        "reported_up": hazard.reported_up if reported_up is None else reported_up,
    }  # fmt: skip
    with transaction.atomic(durable=True):
        _transition(hazard, (HazardStatus.OPEN, HazardStatus.ASSIGNED), **changes)
        note = f"{responsible.name} · {department} · {due_date:%Y-%m-%d}".replace(" ·  · ", " · ")
        _log(hazard, HazardEvent.Action.ASSIGNED, actor.staff, now, note)
        notify(
            school=hazard.school, recipients=[responsible.user] if responsible.user else [],
            event=f"hazard-assigned:{hazard.pk}:{now:%Y%m%d%H%M%S}",
            subject=_("Hazard %(code)s assigned to you: %(location)s")
            % {"code": hazard.code, "location": hazard.location},
            body=hazard.description, url=_url(hazard),
            now=now,
        )  # fmt: skip
    return hazard


def mark_hazard_fixed(
    *,
    hazard: Hazard,
    result: str,
    measures: str = "",
    cost: Decimal | None = None,
    photos: Iterable[CleanImage] = (),
    actor,
    now: datetime | None = None,
) -> Hazard:
    now = now or timezone.now()
    if not can_fix(actor, hazard):
        raise PermissionDenied
    if not result.strip():
        raise ValidationError(_("Describe what was done."))
    with atomic_with_files() as stored:
        _transition(
            hazard, (HazardStatus.ASSIGNED,), status=HazardStatus.FIXED, result=result,
            measures=measures or hazard.measures, cost=cost, fixed_at=now, fixed_by=actor.staff,
        )  # fmt: skip
        save_photos(photos=photos, school_id=hazard.school_id, staff=actor.staff, now=now,
                    stored=stored, hazard=hazard)  # fmt: skip
        _log(hazard, HazardEvent.Action.FIXED, actor.staff, now, result)
        _tell_managers(hazard, now, event=f"hazard-fixed:{hazard.pk}:{now:%Y%m%d%H%M%S}",
                       subject=_("Hazard %(code)s fixed, please verify") % {"code": hazard.code},
                       exclude=actor.staff)  # fmt: skip
    return hazard


def verify_hazard(
    *, hazard: Hazard, accepted: bool = True, note: str = "", actor, now: datetime | None = None
) -> Hazard:
    """复查/验收 by someone other than the fixer. Not accepted: back to assigned, with why."""
    now = now or timezone.now()
    if not can_manage(actor, hazard):
        raise PermissionDenied
    if actor.staff.pk == hazard.fixed_by_id:
        raise ValidationError(_("Someone other than the person who fixed it must verify it."))
    with transaction.atomic(durable=True):
        if accepted:
            _transition(hazard, (HazardStatus.FIXED,), status=HazardStatus.VERIFIED,
                        verified_at=now, verified_by=actor.staff)  # fmt: skip
            _log(hazard, HazardEvent.Action.VERIFIED, actor.staff, now, note)
        else:
            if not note.strip():
                raise ValidationError(_("Say why the fix is not accepted."))
            _transition(hazard, (HazardStatus.FIXED,), status=HazardStatus.ASSIGNED,
                        fixed_at=None, fixed_by=None)  # fmt: skip
            _log(hazard, HazardEvent.Action.REJECTED, actor.staff, now, note)
    return hazard


def close_out_hazard(
    *, hazard: Hazard, note: str = "", actor, now: datetime | None = None
) -> Hazard:
    """销号: the verified hazard leaves the open ledger."""
    now = now or timezone.now()
    if not can_manage(actor, hazard):
        raise PermissionDenied
    if actor.staff.pk == hazard.fixed_by_id:
        raise ValidationError(_("Someone other than the person who fixed it must close it out."))
    with transaction.atomic(durable=True):
        _transition(hazard, (HazardStatus.VERIFIED,), status=HazardStatus.CLOSED,
                    closed_at=now, closed_by=actor.staff)  # fmt: skip
        _log(hazard, HazardEvent.Action.CLOSED, actor.staff, now, note)
    return hazard


def add_hazard_photo(
    *, hazard: Hazard, photo: CleanImage, actor, now: datetime | None = None
) -> Hazard:
    now = now or timezone.now()
    staff = _staff_of(actor, hazard.school_id)
    if hazard.status == HazardStatus.CLOSED:
        raise ValidationError(_("This hazard is closed out."))
    with atomic_with_files() as stored:
        save_photos(photos=[photo], school_id=hazard.school_id, staff=staff, now=now,
                    stored=stored, hazard=hazard)  # fmt: skip
        _log(hazard, HazardEvent.Action.PHOTO, staff, now)
    return hazard


# ---- notices ---------------------------------------------------------------------------------


def _url(hazard: Hazard) -> str:
    return reverse("logbook:hazard", args=[hazard.pk])


def _managers(school: School, *, exclude: Staff | None = None) -> list:
    staff = (
        Staff.objects.filter(school=school, active=True, user__isnull=False,
                             roles__role__in=MANAGERS)
        .select_related("user").distinct()
    )  # fmt: skip
    return [s.user for s in staff if exclude is None or s.pk != exclude.pk]


def _tell_managers(hazard, now, *, event, subject, urgent=False, exclude=None) -> None:
    notify(school=hazard.school, recipients=_managers(hazard.school, exclude=exclude),
           event=event, subject=subject, body=hazard.description, url=_url(hazard),
           urgent=urgent, now=now)  # fmt: skip


def notify_overdue_hazards(*, now: datetime | None = None) -> int:
    """Tell the responsible person about each hazard past its due date and not fixed; once it
    is ESCALATE_AFTER overdue (or nobody is responsible), the office and leaders too. Keyed per
    hazard per local day, so running it every few minutes sends one notice a day."""
    now = now or timezone.now()
    sent = 0
    candidates = (
        Hazard.objects.unfixed()
        .filter(due_date__lt=(now + timedelta(days=1)).date())  # narrowed per school below
        .select_related("school", "responsible__user")
    )
    for hazard in candidates:
        today = local_date(now, hazard.school)
        if hazard.due_date >= today:
            continue
        recipients = []
        if hazard.responsible and hazard.responsible.user and hazard.responsible.active:
            recipients.append(hazard.responsible.user)
        late_days = (today - hazard.due_date).days
        if not recipients or timedelta(days=late_days) >= ESCALATE_AFTER:
            recipients.extend(u for u in _managers(hazard.school) if u not in recipients)
        event = f"hazard-overdue:{hazard.pk}:{today:%Y-%m-%d}"
        with transaction.atomic(durable=True):
            # The row lock makes two concurrent sweeps agree on who writes today's notice.
            Hazard.objects.select_for_update().filter(pk=hazard.pk).first()
            if HazardEvent.objects.filter(hazard=hazard, action=HazardEvent.Action.OVERDUE,
                                          note=event).exists():  # fmt: skip
                continue
            notify(
                school=hazard.school, recipients=recipients, event=event,
                subject=_("Hazard %(code)s is overdue (%(days)s days): %(location)s")
                % {"code": hazard.code, "days": late_days, "location": hazard.location},
                body=hazard.description, url=_url(hazard),
                now=now,
            )  # fmt: skip
            _log(hazard, HazardEvent.Action.OVERDUE, None, now, event)
            sent += 1
    return sent
